import { TaskError, errorMessage } from './errors';
import { TaskInputs } from './platform/inputs';
import type { Platform, TaskOutcome } from './platform/platform';
import { defaultDeps, type TaskDeps } from './task-deps';

export interface RunResult {
  outcome: TaskOutcome;
  message: string;
}

export interface RunTaskOverrides {
  platform?: Platform;
  deps?: (platform: Platform) => TaskDeps;
}

function agentPlatform(): Platform {
  // Loaded lazily: importing task-lib moves INPUT_* and ENDPOINT_AUTH_* out of the environment.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TaskLibPlatform } = require('./platform/task-lib-platform') as typeof import('./platform/task-lib-platform');
  return new TaskLibPlatform();
}

/**
 * The one error boundary of every agent task: reads inputs, runs, and reports the result. Expected failures
 * (`TaskError`) fail the task with their message; anything else is reported as unexpected with its stack at
 * debug level. Never exits the process: the agent reads the result from the `task.complete` command.
 */
export async function runTask<P, N extends string, O extends string>(
  readInputs: (inputs: TaskInputs<N>) => P,
  run: (params: P, deps: TaskDeps<O>) => Promise<RunResult | undefined>,
  overrides: RunTaskOverrides = {},
): Promise<void> {
  const platform = overrides.platform ?? agentPlatform();
  try {
    const params = readInputs(new TaskInputs<N>(platform));
    const deps = (overrides.deps ?? defaultDeps)(platform);
    const result = await run(params, deps);
    platform.setResult(result?.outcome ?? 'Succeeded', result?.message ?? 'Done.');
  } catch (err) {
    if (err instanceof Error && err.stack) platform.debug(err.stack);
    const message = err instanceof TaskError ? err.message : `Unexpected error: ${errorMessage(err)}`;
    platform.setResult('Failed', message);
  }
}
