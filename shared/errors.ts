/**
 * Expected failures. Each carries a message written for the pipeline user; anything else that reaches the
 * error boundary is treated as a bug and reported with its stack at debug level.
 */
export class TaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A task input (or service connection field) is missing or has a value the task cannot use. */
export class InputError extends TaskError {
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`Input '${input}': ${detail}`);
  }
}

/** An Azure call answered with an error (after retries), or could not be reached. */
export class AzureError extends TaskError {
  constructor(
    message: string,
    readonly details: {
      status?: number;
      code?: string;
      target?: string;
      requestId?: string;
      operation?: string;
    } = {},
  ) {
    super(message);
  }
}

/** A wait (long-running operation, readiness, job) ran past its deadline. */
export class TimeoutError extends TaskError {}

/** The task ran but what it checked did not hold (assertions, gates, budgets). */
export class CheckFailedError extends TaskError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
