import { strict as assert } from 'node:assert';
import type { Emulator } from '../../emulator/server';
import { emulatorClients, endpointPath } from '../../test/support/arm';
import { startTrustedEmulator } from '../../emulator/seed';
import { scaledClock, type Clock } from '../clock';
import { AzureError, TimeoutError } from '../errors';
import { sendAndWait } from './lro';

const BODY = { location: 'westeurope', properties: { authMode: 'Key' } };

describe('long-running operations against the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());
  afterEach(() => {
    emulator.faults.clear();
    emulator.state.lroPolls = 3;
  });

  it('PUT: polls Azure-AsyncOperation, then reads the resource', async () => {
    emulator.state.lroPolls = 2;
    const { clients } = emulatorClients(emulator);
    const progress: string[] = [];
    const res = await sendAndWait<{ properties: { provisioningState: string } }>(clients.rest(), 'PUT', endpointPath(emulator, 'ep-lro'), BODY, {
      operation: "Create online endpoint 'ep-lro'",
      deadlineMs: 30_000,
      clock: scaledClock(emulator.info.timeScale),
      pollIntervalMs: 10,
      onProgress: (m) => progress.push(m),
    });
    assert.equal(res.body.properties.provisioningState, 'Succeeded');
    assert.deepEqual(progress, [
      "Create online endpoint 'ep-lro': InProgress",
      "Create online endpoint 'ep-lro': InProgress",
      "Create online endpoint 'ep-lro': Succeeded",
    ]);
  });

  it('DELETE: polls Location until it stops answering 202, through injected 429, 503 and a reset', async () => {
    const { clients, log } = emulatorClients(emulator);
    const rest = clients.rest();
    await sendAndWait(rest, 'PUT', endpointPath(emulator, 'ep-del'), BODY, {
      operation: 'create',
      deadlineMs: 30_000,
      clock: scaledClock(emulator.info.timeScale),
      pollIntervalMs: 10,
    });
    emulator.state.lroPolls = 2;
    emulator.faults.add({ path: '/mfeOperationResults/', fault: { type: 'status', status: 429, retryAfterSeconds: 0 }, times: 1 });
    emulator.faults.add({ path: '/mfeOperationResults/', fault: { type: 'status', status: 503 }, times: 1 });
    emulator.faults.add({ path: '/mfeOperationResults/', fault: { type: 'reset' }, times: 1 });
    const res = await sendAndWait(rest, 'DELETE', endpointPath(emulator, 'ep-del'), undefined, {
      operation: "Delete online endpoint 'ep-del'",
      deadlineMs: 30_000,
      clock: scaledClock(emulator.info.timeScale),
      pollIntervalMs: 10,
    });
    assert.equal(res.status, 200);
    assert.equal(log.length, 3);
    assert.equal(await rest.tryGet(endpointPath(emulator, 'ep-del'), 'get'), undefined);
  });

  it('reports a failed operation with its error', async () => {
    emulator.state.failNextOperation = { code: 'QuotaExceeded', message: 'Not enough quota in westeurope.' };
    const { clients } = emulatorClients(emulator);
    await assert.rejects(
      sendAndWait(clients.rest(), 'PUT', endpointPath(emulator, 'ep-fail'), BODY, {
        operation: "Create online endpoint 'ep-fail'",
        deadlineMs: 30_000,
        clock: scaledClock(emulator.info.timeScale),
        pollIntervalMs: 10,
      }),
      (e: unknown) => e instanceof AzureError && e.message === "Create online endpoint 'ep-fail' ended Failed: QuotaExceeded: Not enough quota in westeurope.",
    );
  });

  it('stops at the deadline with a TimeoutError', async () => {
    emulator.state.lroPolls = 1_000;
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms + 1_000) };
    const { clients } = emulatorClients(emulator);
    await assert.rejects(
      sendAndWait(clients.rest(), 'PUT', endpointPath(emulator, 'ep-slow'), BODY, {
        operation: "Create online endpoint 'ep-slow'",
        deadlineMs: 35_000,
        clock,
        pollIntervalMs: 10,
      }),
      (e: unknown) => e instanceof TimeoutError && e.message === "Create online endpoint 'ep-slow' did not finish within 35 s (last state: InProgress).",
    );
  });
});
