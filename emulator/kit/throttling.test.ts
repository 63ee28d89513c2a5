import { strict as assert } from 'node:assert';
import { armCall, emulatorClients, endpointPath } from '../../test/support/arm';
import { mapWithLimit } from '../../shared/concurrency';
import { startTrustedEmulator } from '../seed';
import type { Emulator } from '../server';

describe('emulator ARM throttling (token buckets)', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  before(async () => {
    emulator = await startTrustedEmulator();
  });
  after(() => emulator.stop());

  it('answers 250 reads from a full bucket, counting down in x-ms-ratelimit-remaining-subscription-reads, then 429 with Retry-After', async () => {
    // Simulated time 100 times slower than real: however long a busy machine takes to send the burst, the bucket
    // cannot refill during it (a refill of 25 reads a second would top it up after 2 s of real time).
    emulator.state.timeScale = 100;
    const throttle = emulator.state.throttleLikeArm();
    const path = `${endpointPath(emulator, 'none').replace('/onlineEndpoints/none', '')}?api-version=2024-04-01`;
    // A burst, as a fan-out sends it: 300 reads at once against a bucket of 250.
    const answers = await Promise.all(Array.from({ length: 300 }, () => armCall(emulator, 'GET', path)));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.find((a) => a.status === 429);
    assert.ok(refused, 'the bucket ran dry');
    assert.ok(ok.length >= 250 && ok.length < 300, `${ok.length} reads answered`);
    const remaining = ok.map((a) => Number(a.headers.get('x-ms-ratelimit-remaining-subscription-reads'))).sort((a, b) => b - a);
    assert.equal(remaining[0], 249, 'the first read leaves 249');
    assert.ok(remaining.at(-1)! <= 1, 'the count went down to the bottom of the bucket');
    assert.equal(refused.body?.error.code, 'SubscriptionRequestsThrottled');
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.ok(throttle.counts.throttled >= 1);
    const write = await armCall(emulator, 'PUT', `${endpointPath(emulator, 'ep-throttle')}?api-version=2024-04-01`, {
      location: 'westeurope',
      properties: { authMode: 'Key' },
    });
    assert.equal(write.headers.get('x-ms-ratelimit-remaining-subscription-writes'), '199', 'writes have their own bucket');
  });

  it('a client reading past the bucket paces itself on the remaining count, and waits on Retry-After if it is still refused', async () => {
    emulator.state.timeScale = 1;
    const throttle = emulator.state.throttleLikeArm();
    const { clients } = emulatorClients(emulator, { maxAttempts: 6, maxTotalMs: 60_000, baseDelayMs: 50, maxDelayMs: 1_000, attemptTimeoutMs: 5_000 });
    const ws = endpointPath(emulator, 'x').replace('/onlineEndpoints/x', '');
    const started = Date.now();
    const results = await mapWithLimit(
      Array.from({ length: 300 }, (_, i) => i),
      8,
      async () => (await clients.rest().request('GET', ws, { operation: 'Read the workspace' })).status,
    );
    assert.deepEqual(new Set(results), new Set([200]), 'every read succeeded');
    assert.ok(Date.now() - started >= 1_000, 'the 50 reads past the bucket waited for its refill');
    // Only reads already in flight when the count fell low can still meet a 429.
    assert.ok(throttle.counts.throttled < 8, `${throttle.counts.throttled} reads refused`);
  });
});
