import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';

export interface RetrySettings {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** No retry starts once this much time has passed since the first attempt. */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Each attempt is abandoned (and retried) after this long without response headers. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  maxAttempts: 6,
  maxTotalMs: 180_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  attemptTimeoutMs: 100_000,
};

/**
 * The retry settings in effect: the defaults, with the delays and the per-attempt timeout shortened or
 * lengthened by AZUREML_TASKS_RETRY_BASE_DELAY_MS, AZUREML_TASKS_RETRY_MAX_DELAY_MS and
 * AZUREML_TASKS_ATTEMPT_TIMEOUT_MS (pipeline variables reach tasks as environment variables; the fault tests use
 * them to keep the same policy fast). Attempts and the total bound stay fixed.
 */
export function retrySettings(env: Record<string, string | undefined> = process.env): RetrySettings {
  const ms = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    ...DEFAULT_RETRY,
    baseDelayMs: ms('AZUREML_TASKS_RETRY_BASE_DELAY_MS', DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: ms('AZUREML_TASKS_RETRY_MAX_DELAY_MS', DEFAULT_RETRY.maxDelayMs),
    attemptTimeoutMs: ms('AZUREML_TASKS_ATTEMPT_TIMEOUT_MS', DEFAULT_RETRY.attemptTimeoutMs),
  };
}

export const RETRY_POLICY_NAME = 'azuremlTasksRetryPolicy';
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);

/** Milliseconds the server asked us to wait, from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`. */
export function retryAfterMs(headers: { get(name: string): string | undefined }, now: number): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headers.get(name));
    if (headers.get(name) && Number.isFinite(value) && value >= 0) return value;
  }
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** URL without its query string (SAS tokens live there), keeping the api-version for context. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const apiVersion = parsed.searchParams.get('api-version');
    return `${parsed.origin}${parsed.pathname}${apiVersion ? `?api-version=${apiVersion}` : ''}`;
  } catch {
    return url.split('?')[0];
  }
}

interface Failure {
  reason: string;
  waitMs?: number;
  /** Busy or throttled with a Retry-After: waiting does not use up an attempt (an update can take minutes), only time. */
  busy?: boolean;
}

/** Busy waits allowed per request, within maxTotalMs as well. */
const MAX_BUSY_WAITS = 60;

/**
 * A 409 that only says an earlier operation on the resource is still running (ours, when a lost answer made us
 * resend a write; or another pipeline's): wait and resend, as for throttling.
 */
const BUSY_CODES = /"code"\s*:\s*"(AnotherOperationInProgress|ContainerGroupTransitioning)"/;

function transientFailure(request: PipelineRequest, response: PipelineResponse | undefined, error: unknown, now: number): Failure | undefined {
  if (response) {
    if (response.status === 409 && BUSY_CODES.test(response.bodyAsText ?? ''))
      return { reason: 'HTTP 409 (another operation in progress)', waitMs: retryAfterMs(response.headers, now), busy: true };
    if (!RETRY_STATUSES.has(response.status)) return undefined;
    const waitMs = retryAfterMs(response.headers, now);
    // Throttled with a time to come back (ARM's token buckets): waiting is the cure, so it uses up no attempt.
    return { reason: `HTTP ${response.status}`, waitMs, busy: response.status === 429 && waitMs !== undefined };
  }
  const err = error as { name?: string; code?: string; message?: string } | undefined;
  if (!err) return undefined;
  if (err.name === 'AbortError') {
    // A caller's own cancellation is final; only our per-attempt timeout is retried.
    return request.abortSignal?.aborted ? undefined : { reason: 'no response within the attempt timeout' };
  }
  if (err.code && RETRY_CODES.has(err.code)) return { reason: err.code };
  if (err.message && /socket hang up|ECONNRESET/i.test(err.message)) return { reason: 'connection reset' };
  return undefined;
}

/**
 * Retries throttling (429, with or without Retry-After), transient 5xx, 408, timeouts and connection resets,
 * honouring Retry-After, with jittered exponential backoff, bounded in attempts and in total time. Replaces the
 * core pipeline's default policy, which gives up on a 429 that has no Retry-After.
 */
export function retryPolicy(settings: RetrySettings, clock: Clock, log: (message: string) => void): PipelinePolicy {
  return {
    name: RETRY_POLICY_NAME,
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      const started = clock.now();
      if (!request.timeout) request.timeout = settings.attemptTimeoutMs;
      let busyWaits = 0;
      for (let attempt = 1; ; attempt++) {
        let response: PipelineResponse | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (err) {
          error = err;
        }
        const failure = transientFailure(request, response, error, clock.now());
        const backoff = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
        const waitMs = failure?.waitMs ?? Math.round(backoff * (0.5 + Math.random() * 0.5));
        if (failure?.busy) {
          busyWaits += 1;
          attempt -= 1;
        }
        const outOfAttempts = failure?.busy ? busyWaits > MAX_BUSY_WAITS : attempt >= settings.maxAttempts;
        const exhausted = outOfAttempts || clock.now() - started + waitMs > settings.maxTotalMs;
        if (!failure || exhausted) {
          if (failure) {
            log(`${request.method} ${describeUrl(request.url)}: ${failure.reason}; giving up after ${attempt} attempt(s).`);
            if (response) response.headers.set('x-azureml-tasks-attempts', String(attempt));
            else if (error && typeof error === 'object') Object.assign(error, { attempts: attempt });
          }
          if (response) return response;
          throw error;
        }
        log(
          `${request.method} ${describeUrl(request.url)}: ${failure.reason}; retrying in ${(waitMs / 1000).toFixed(1)} s ` +
            `(attempt ${attempt + 1} of ${settings.maxAttempts}).`,
        );
        await clock.sleep(waitMs);
      }
    },
  };
}
