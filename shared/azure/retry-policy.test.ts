import { strict as assert } from 'node:assert';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { Emulator } from '../../emulator/server';
import { emulatorClients, endpointPath, FAST_RETRY } from '../../test/support/arm';
import { seedEndpoint, startTrustedEmulator } from '../../emulator/seed';
import type { Clock } from '../clock';
import { AzureError } from '../errors';
import { retryAfterMs, retryPolicy } from './retry-policy';

function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
  const request = createPipelineRequest({ url: 'https://arm/x' });
  return { status, headers: createHttpHeaders(headers), request };
}

describe('retry policy (unit)', () => {
  it('parses Retry-After in seconds, HTTP dates and milliseconds headers', () => {
    const h = (v: Record<string, string>) => createHttpHeaders(v);
    assert.equal(retryAfterMs(h({ 'retry-after': '3' }), 0), 3000);
    assert.equal(retryAfterMs(h({ 'retry-after-ms': '250' }), 0), 250);
    assert.equal(retryAfterMs(h({ 'x-ms-retry-after-ms': '40' }), 0), 40);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterMs(h({}), now), undefined);
  });

  it('backs off exponentially with jitter, bounded by attempts, and logs each retry', async () => {
    const clock = fakeClock();
    const log: string[] = [];
    const policy = retryPolicy({ ...FAST_RETRY, maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 3000 }, clock, (m) => log.push(m));
    let calls = 0;
    const res = await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x?api-version=1&sig=secret' }), async () => {
      calls++;
      return response(500);
    });
    assert.equal(res.status, 500);
    assert.equal(calls, 5);
    assert.equal(res.headers.get('x-azureml-tasks-attempts'), '5');
    const caps = [1000, 2000, 3000, 3000];
    clock.slept.forEach((ms, i) => assert.ok(ms >= caps[i] / 2 && ms <= caps[i], `wait ${i}: ${ms}`));
    assert.equal(log.length, 5);
    assert.ok(
      log.every((l) => !l.includes('secret')),
      'query strings are not logged',
    );
  });

  it('retries a 429 without Retry-After (the core pipeline does not) and stops on success', async () => {
    const clock = fakeClock();
    const answers = [429, 429, 200];
    const policy = retryPolicy(FAST_RETRY, clock, () => undefined);
    const res = await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x' }), async () => response(answers.shift() as number));
    assert.equal(res.status, 200);
    assert.equal(clock.slept.length, 2);
  });

  it("throttled with Retry-After (ARM's token buckets), it waits as often as told within the time budget: no attempt is used up", async () => {
    const clock = fakeClock();
    const policy = retryPolicy({ ...FAST_RETRY, maxAttempts: 3, maxTotalMs: 60_000 }, clock, () => undefined);
    let calls = 0;
    const res = await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x' }), async () =>
      ++calls <= 10 ? response(429, { 'retry-after': '1' }) : response(200),
    );
    assert.equal(res.status, 200);
    assert.equal(calls, 11);
    assert.deepEqual(clock.slept, Array(10).fill(1000));
  });

  it('gives up at once when Retry-After exceeds the total time budget', async () => {
    const clock = fakeClock();
    const policy = retryPolicy({ ...FAST_RETRY, maxTotalMs: 10_000 }, clock, () => undefined);
    const res = await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x' }), async () => response(429, { 'retry-after': '60' }));
    assert.equal(res.status, 429);
    assert.deepEqual(clock.slept, []);
  });

  it('does not retry client errors or a caller abort', async () => {
    const clock = fakeClock();
    const policy = retryPolicy(FAST_RETRY, clock, () => undefined);
    assert.equal((await policy.sendRequest(createPipelineRequest({ url: 'https://arm/x' }), async () => response(404))).status, 404);
    const controller = new AbortController();
    controller.abort();
    const request = createPipelineRequest({ url: 'https://arm/x', abortSignal: controller.signal });
    await assert.rejects(
      policy.sendRequest(request, async () => Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      /aborted/,
    );
    assert.deepEqual(clock.slept, []);
  });
});

describe('retry policy against injected emulator faults', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  before(async () => {
    emulator = await startTrustedEmulator();
    seedEndpoint(emulator, { name: 'ep-retry' });
  });
  after(() => emulator.stop());
  afterEach(() => emulator.faults.clear());

  const get = (clients: ReturnType<typeof emulatorClients>['clients']) =>
    clients.rest().request<{ name: string }>('GET', endpointPath(emulator, 'ep-retry'), { operation: "Get online endpoint 'ep-retry'" });

  it('honours Retry-After on 429', async () => {
    emulator.faults.add({ path: '/onlineEndpoints/ep-retry', fault: { type: 'status', status: 429, retryAfterSeconds: 1 }, times: 2 });
    const { clients, log } = emulatorClients(emulator);
    const started = Date.now();
    assert.equal((await get(clients)).body.name, 'ep-retry');
    assert.ok(Date.now() - started >= 1900 * emulator.info.timeScale, 'waited about 2 x 1 s (simulated time)');
    assert.deepEqual(
      log.map((l) => /HTTP 429; retrying in 1\.0 s/.test(l)),
      [true, true],
    );
  });

  for (const [label, fault] of [
    ['503', { type: 'status', status: 503 }],
    ['500', { type: 'status', status: 500 }],
    ['429 without Retry-After', { type: 'status', status: 429 }],
    ['connection reset', { type: 'reset' }],
  ] as const) {
    it(`recovers from ${label} x3`, async () => {
      const { clients, log } = emulatorClients(emulator);
      emulator.faults.add({ path: '/onlineEndpoints/ep-retry', fault, times: 3 });
      assert.equal((await get(clients)).body.name, 'ep-retry');
      assert.equal(log.length, 3);
    });
  }

  it('retries an attempt that times out', async () => {
    emulator.faults.add({ path: '/onlineEndpoints/ep-retry', fault: { type: 'latency', ms: 1500 }, times: 1 });
    const { clients, log } = emulatorClients(emulator, { ...FAST_RETRY, attemptTimeoutMs: 400 });
    assert.equal((await get(clients)).body.name, 'ep-retry');
    assert.match(log[0], /no response within the attempt timeout; retrying/);
  });

  it('fails past the bound with one readable error naming the call', async () => {
    emulator.faults.add({ path: '/onlineEndpoints/ep-retry', fault: { type: 'status', status: 503 }, times: 10 });
    const { clients } = emulatorClients(emulator);
    await assert.rejects(
      get(clients),
      (e: unknown) =>
        e instanceof AzureError &&
        /^Get online endpoint 'ep-retry' failed after 4 attempts: HTTP 503 InternalServerError: Injected fault: HTTP 503\. \[request id [0-9a-f-]+\]$/.test(
          e.message,
        ),
    );
    emulator.faults.clear();
    emulator.faults.add({ path: '/onlineEndpoints/ep-retry', fault: { type: 'reset' }, times: 10 });
    await assert.rejects(
      get(clients),
      (e: unknown) =>
        e instanceof AzureError &&
        /Get online endpoint 'ep-retry' failed after 4 attempts \(https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.*\/onlineEndpoints\/ep-retry\?api-version=2024-04-01\): ECONNRESET/.test(
          e.message,
        ),
    );
  });

  it('does not retry a 404 and reports the ARM error body', async () => {
    const { clients, log } = emulatorClients(emulator);
    await assert.rejects(
      clients.rest().request('GET', endpointPath(emulator, 'nope'), { operation: "Get online endpoint 'nope'" }),
      /Get online endpoint 'nope' failed: HTTP 404 ResourceNotFound: Online endpoint 'nope' was not found in workspace 'mlw-emulator'\. \(target: nope\)/,
    );
    assert.equal(log.length, 0);
  });
});
