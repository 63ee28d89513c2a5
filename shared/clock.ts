/** Time as the tasks see it; injected so waits and backoff can be tested without real delays. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Against the emulator (only there), waits run on simulated time: AML_TASKS_SIMULATED_TIME_SCALE (between 0 and 1)
 * shortens every sleep (Retry-After of long-running operations and throttling, backoff) by that factor, so the
 * published Retry-After values can be honoured in tests that take seconds. Deadlines stay in real time.
 */
export function timeScaleOf(env: NodeJS.ProcessEnv): number {
  const scale = Number(env.AML_TASKS_SIMULATED_TIME_SCALE);
  return scale > 0 && scale < 1 ? scale : 1;
}

/** The real clock whose sleeps last `scale` times as long. */
export function scaledClock(scale: number): Clock {
  return { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms * scale))) };
}

export const systemClock: Clock = scaledClock(timeScaleOf(process.env));
