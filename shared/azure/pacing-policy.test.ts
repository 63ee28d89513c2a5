import { strict as assert } from 'node:assert';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { LOW_WATER, pacingPolicy } from './pacing-policy';

/** A virtual clock: a sleep ends after whatever else is ready to run, and moves the time to its wake-up. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      const wake = t + ms;
      return new Promise<void>((resolve) => setImmediate(() => resolve(void (t = Math.max(t, wake)))));
    },
  };
}

function answer(remaining: Record<string, number>) {
  return (request: ReturnType<typeof createPipelineRequest>): Promise<PipelineResponse> =>
    Promise.resolve({
      request,
      status: 200,
      headers: createHttpHeaders(Object.fromEntries(Object.entries(remaining).map(([k, v]) => [`x-ms-ratelimit-remaining-subscription-${k}`, String(v)]))),
    });
}

describe('ARM pacing policy (x-ms-ratelimit-remaining-*)', () => {
  it('sends at full speed while the bucket is full, then one write per 100 ms once fewer than LOW_WATER are left', async () => {
    const clock = fakeClock();
    const policy = pacingPolicy(clock);
    const sent: number[] = [];
    let left = LOW_WATER + 2;
    const next = (request: ReturnType<typeof createPipelineRequest>) => {
      sent.push(clock.now());
      left -= 1;
      return answer({ writes: left })(request);
    };
    for (let i = 0; i < 6; i++) await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x', method: 'PUT' }), next);
    // 21, 20 and 19 left after the first three: the fourth (19 < LOW_WATER) takes the first paced slot at once, then
    // one per refill interval.
    assert.deepEqual(sent, [0, 0, 0, 0, 100, 200]);
  });

  it('paces requests running side by side in order, and each kind of request on its own', async () => {
    const clock = fakeClock();
    const policy = pacingPolicy(clock);
    await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x', method: 'PUT' }), answer({ writes: 3 }));
    await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x', method: 'GET' }), answer({ reads: 240 }));
    const sent: [string, number][] = [];
    const track = (method: string) => (request: ReturnType<typeof createPipelineRequest>) => {
      sent.push([method, clock.now()]);
      return answer(method === 'GET' ? { reads: 239 } : { writes: 2 })(request);
    };
    await Promise.all([
      policy.sendRequest(createPipelineRequest({ url: 'https://arm/a', method: 'PUT' }), track('PUT')),
      policy.sendRequest(createPipelineRequest({ url: 'https://arm/b', method: 'PUT' }), track('PUT')),
      policy.sendRequest(createPipelineRequest({ url: 'https://arm/c', method: 'GET' }), track('GET')),
    ]);
    assert.deepEqual(
      sent.sort((a, b) => a[1] - b[1]),
      [
        ['PUT', 0],
        ['GET', 0],
        ['PUT', 100],
      ],
    );
  });
});
