import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';

type Kind = 'reads' | 'writes' | 'deletes';

/** ARM's bucket refill per second for each kind of request (its "Request limits and throttling" page). */
const REFILL_PER_SECOND: Record<Kind, number> = { reads: 25, writes: 10, deletes: 10 };
/** Below this many requests left in the bucket, a client paces itself to the refill rate. */
export const LOW_WATER = 20;

const kindOf = (request: PipelineRequest): Kind =>
  request.method === 'GET' || request.method === 'HEAD' ? 'reads' : request.method === 'DELETE' ? 'deletes' : 'writes';

/**
 * Slows the client down before ARM throttles it. ARM says what is left of the caller's bucket in
 * `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}`; once that falls under LOW_WATER, requests of that
 * kind leave one per refill interval (writes 10 a second, reads 25), in order, however many run side by side, until
 * the count recovers. A 429 is still handled by the retry policy (Retry-After); this keeps a fan-out from
 * emptying the bucket in the first place.
 */
export function pacingPolicy(clock: Clock): PipelinePolicy {
  const remaining: Partial<Record<Kind, number>> = {};
  const nextSlot: Record<Kind, number> = { reads: 0, writes: 0, deletes: 0 };
  return {
    name: 'armPacingPolicy',
    async sendRequest(request, next) {
      const kind = kindOf(request);
      const left = remaining[kind];
      if (left !== undefined && left < LOW_WATER) {
        const now = clock.now();
        const slot = Math.max(now, nextSlot[kind]);
        nextSlot[kind] = slot + 1000 / REFILL_PER_SECOND[kind];
        if (slot > now) await clock.sleep(slot - now);
      }
      const response = await next(request);
      const header = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
      if (header !== undefined && header !== '' && Number.isFinite(Number(header))) remaining[kind] = Number(header);
      return response;
    },
  };
}
