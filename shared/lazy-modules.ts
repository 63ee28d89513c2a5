/**
 * Heavy modules loaded on first use, not when a bundle starts: a task prints its first line (task-lib's) and
 * validates its inputs before the Azure pipeline or the YAML parser are evaluated. A module a task may not need
 * gets its getter where it is used, so a bundle holds only what its task can reach.
 */
export function once<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const corePipeline = once(() => require('@azure/core-rest-pipeline') as typeof import('@azure/core-rest-pipeline'));
