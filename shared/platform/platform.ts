/**
 * The seam between task code and the agent. Only `task-lib-platform.ts` talks to azure-pipelines-task-lib;
 * everything else takes a `Platform`, so `run()` functions can be tested in-process with `FakePlatform`.
 */
export interface EndpointAuth {
  scheme: string;
  parameters: Record<string, string>;
}

export type TaskOutcome = 'Succeeded' | 'SucceededWithIssues' | 'Failed';

export interface Platform<O extends string = string> {
  /** Raw input value; `required` makes the agent-side getter fail when the input is absent. */
  input(name: string, required: boolean): string | undefined;
  /** A secret input (key, password), read without the debug echo task-lib gives ordinary inputs. */
  secretInput(name: string): string | undefined;
  variable(name: string): string | undefined;
  endpointUrl(id: string): string | undefined;
  /**
   * The connection's auth scheme and parameters. Read as one JSON value because task-lib's per-parameter getter
   * prints each value (secrets included) at debug level.
   */
  endpointAuth(id: string): EndpointAuth | undefined;
  endpointDataParameter(id: string, key: string): string | undefined;

  /** Sets an output variable declared in task.json (`O`: the task's output names). */
  setOutput(name: O, value: string): void;
  /** Registers a value the agent masks; call it before the value can reach any log line. */
  setSecret(value: string): void;

  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  startGroup(title: string): void;
  endGroup(): void;

  /** Attaches markdown to the run's summary page under `title`. */
  uploadSummary(title: string, markdown: string): void;
  setResult(outcome: TaskOutcome, message: string): void;
  /** A per-job scratch folder (Agent.TempDirectory), created if needed. */
  tempDir(): string;
}

/** Runs `fn` inside a collapsible log section. */
export async function inGroup<T>(platform: Platform, title: string, fn: () => Promise<T>): Promise<T> {
  platform.startGroup(title);
  try {
    return await fn();
  } finally {
    platform.endGroup();
  }
}

/** The last `lines` lines of a container's or deployment's logs, in a collapsible section (nothing when empty). */
export function printLogTail(platform: Platform, title: string, logs: string, lines = 50): void {
  if (!logs.trim()) return;
  platform.startGroup(title);
  for (const line of logs.trimEnd().split('\n').slice(-lines)) platform.info(line);
  platform.endGroup();
}
