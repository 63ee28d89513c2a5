import { armError, type EmulatorRequest, type EmulatorResponse } from './http';

type Operation = 'reads' | 'writes' | 'deletes';

/**
 * ARM's token buckets since its 2024 regional throttling (its "Request limits and throttling" page): per
 * subscription, per service principal and per operation type, reads 250 with 25 a second refilled, writes and
 * deletes 200 with 10 a second.
 */
export const ARM_BUCKETS: Record<Operation, { size: number; refillPerSecond: number }> = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

interface Bucket {
  tokens: number;
  at: number;
}

function operationOf(method: string): Operation {
  return method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';
}

/**
 * ARM's throttling on simulated time: buckets refill `1 / timeScale` times faster in real time, and Retry-After is
 * in simulated seconds, so a client that shortens its waits by the same factor sees ARM's behaviour, minutes
 * compressed to seconds. Counts what it answered, for the benchmark.
 */
export class ArmThrottle {
  private readonly buckets = new Map<string, Bucket>();
  readonly counts: Record<Operation | 'throttled', number> = { reads: 0, writes: 0, deletes: 0, throttled: 0 };

  constructor(
    private readonly timeScale: () => number,
    private readonly sizes: Record<Operation, { size: number; refillPerSecond: number }> = ARM_BUCKETS,
  ) {}

  /** Takes a token for `req` by `principal`: the headers to add to the answer, or ARM's 429 when the bucket is empty. */
  take(req: EmulatorRequest, subscription: string, principal: string): { headers: Record<string, string> } | { refused: EmulatorResponse } {
    const operation = operationOf(req.method);
    const { size, refillPerSecond } = this.sizes[operation];
    const key = `${subscription}|${principal}|${operation}`.toLowerCase();
    const now = Date.now();
    const bucket = this.buckets.get(key) ?? { tokens: size, at: now };
    const simulatedSeconds = (now - bucket.at) / 1000 / this.timeScale();
    bucket.tokens = Math.min(size, bucket.tokens + simulatedSeconds * refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const header = `x-ms-ratelimit-remaining-subscription-${operation}`;
    if (bucket.tokens < 1) {
      this.counts.throttled += 1;
      const wait = Math.ceil((1 - bucket.tokens) / refillPerSecond);
      const refused = armError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of '${operation.replace(/s$/, '')}' requests for subscription '${subscription}' actor '${principal}' exceeded. Please try again after '${wait}' seconds after the additional tokens are available. Refer to https://aka.ms/arm-throttling`,
      );
      return { refused: { ...refused, headers: { 'Retry-After': String(wait), [header]: '0' } } };
    }
    bucket.tokens -= 1;
    this.counts[operation] += 1;
    return { headers: { [header]: String(Math.floor(bucket.tokens)) } };
  }
}
