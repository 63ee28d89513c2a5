import type { HttpMethods } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';
import { AzureError, TimeoutError } from '../errors';
import type { ArmResponse, ArmRest } from './arm-client';
import { retryAfterMs } from './retry-policy';

/** How long a task waits for long-running work, on which clock, and where its progress lines go. */
export interface Wait {
  deadlineMs: number;
  clock: Clock;
  progress: (message: string) => void;
}

/** The options of one long-running operation under a task's wait. */
export function lroOptions(operation: string, wait: Wait): Omit<LroOptions, 'resourceUrl'> {
  return { operation, deadlineMs: wait.deadlineMs, clock: wait.clock, onProgress: wait.progress };
}

export interface LroOptions {
  operation: string;
  /** The resource to read when an Azure-AsyncOperation finishes (PUT/PATCH); omitted for actions and deletes. */
  resourceUrl?: string;
  deadlineMs: number;
  clock: Clock;
  pollIntervalMs?: number;
  onProgress?: (message: string) => void;
}

interface AsyncOperationStatus {
  status?: string;
  error?: { code?: string; message?: string };
}

const TERMINAL_FAILURE = new Set(['failed', 'canceled', 'cancelled']);

/**
 * Waits for an ARM long-running operation started by `initial`, in either style ARM uses: an
 * `Azure-AsyncOperation` status document (creates) or a `Location` URL that answers 202 until done (updates,
 * deletes, actions). Honours Retry-After between polls and fails with a TimeoutError past the deadline.
 */
export async function waitForLro<T = unknown>(rest: ArmRest, initial: ArmResponse, options: LroOptions): Promise<ArmResponse<T>> {
  const asyncUrl = initial.headers.get('azure-asyncoperation');
  const locationUrl = initial.headers.get('location');
  if (!asyncUrl && !(locationUrl && initial.status === 202)) return initial as ArmResponse<T>;

  const { clock } = options;
  const deadline = clock.now() + options.deadlineMs;
  let last: ArmResponse = initial;
  let lastState = 'Accepted';
  for (;;) {
    const wait = retryAfterMs(last.headers, clock.now()) ?? options.pollIntervalMs ?? 5_000;
    if (clock.now() + wait > deadline) {
      throw new TimeoutError(`${options.operation} did not finish within ${Math.round(options.deadlineMs / 1000)} s (last state: ${lastState}).`);
    }
    await clock.sleep(wait);
    if (asyncUrl) {
      last = await rest.request<AsyncOperationStatus>('GET', asyncUrl, { operation: `${options.operation} (status)` });
      const status = (last.body as AsyncOperationStatus | undefined)?.status ?? 'InProgress';
      lastState = status;
      options.onProgress?.(`${options.operation}: ${status}`);
      if (status.toLowerCase() === 'succeeded') {
        if (!options.resourceUrl) return last as ArmResponse<T>;
        return rest.request<T>('GET', options.resourceUrl, { operation: options.operation });
      }
      if (TERMINAL_FAILURE.has(status.toLowerCase())) {
        const error = (last.body as AsyncOperationStatus).error;
        throw new AzureError(`${options.operation} ended ${status}: ${error?.code ? `${error.code}: ` : ''}${error?.message ?? 'no error details'}`, {
          code: error?.code,
          operation: options.operation,
        });
      }
    } else {
      last = await rest.request<T>('GET', locationUrl as string, { operation: `${options.operation} (status)` });
      lastState = last.status === 202 ? 'InProgress' : 'Succeeded';
      options.onProgress?.(`${options.operation}: ${lastState}`);
      if (last.status !== 202) return last as ArmResponse<T>;
    }
  }
}

/** Sends a request and waits for the long-running operation it may start. */
export async function sendAndWait<T = unknown>(
  rest: ArmRest,
  method: HttpMethods,
  path: string,
  body: unknown,
  options: Omit<LroOptions, 'resourceUrl'>,
): Promise<ArmResponse<T>> {
  const initial = await rest.request(method, path, { body, operation: options.operation });
  const resourceUrl = method === 'PUT' || method === 'PATCH' ? rest.url(path) : undefined;
  return waitForLro<T>(rest, initial, { ...options, resourceUrl });
}
