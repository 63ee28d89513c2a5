import type { Emulator } from '../../emulator/server';
import { createArmClients, type ArmClients } from '../../shared/azure/arm-client';
import { readArmConnection } from '../../shared/azure/connection';
import type { RetrySettings } from '../../shared/azure/retry-policy';
import { scaledClock } from '../../shared/clock';
import { FakePlatform } from '../../shared/platform/fake-platform';
import { TaskInputs } from '../../shared/platform/inputs';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';

export const FAST_RETRY: RetrySettings = { maxAttempts: 4, maxTotalMs: 20_000, baseDelayMs: 20, maxDelayMs: 100, attemptTimeoutMs: 5_000 };

/** In-process ARM clients on the emulator (service principal secret), with fast retries and a log to read. */
export function emulatorClients(emulator: Emulator, retry: RetrySettings = FAST_RETRY): { clients: ArmClients; log: string[] } {
  const conn = emulatorConnection(emulator, 'spnKey');
  const platform = new FakePlatform({ inputs: { azureSubscription: conn.id }, endpoints: { [conn.id]: conn.endpoint } });
  const connection = readArmConnection(new TaskInputs(platform));
  const log: string[] = [];
  // The emulator's time scale when each wait starts: a test may switch it to real time.
  const clock = { now: () => Date.now(), sleep: (ms: number) => scaledClock(emulator.state.timeScale).sleep(ms) };
  return { clients: createArmClients(connection, { clock, log: (m) => log.push(m), retry }), log };
}

export function endpointPath(emulator: Emulator, name: string): string {
  const { subscriptionId, resourceGroup, workspace } = emulator.info;
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/onlineEndpoints/${name}`;
}

/** One raw ARM request to the emulator with a fresh management token; the JSON answer parsed. */
export async function armCall(emulator: Emulator, method: string, pathAndQuery: string, body?: unknown, token = true) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${emulator.state.issueToken(emulator.info.clientId, 'https://management.azure.com/.default').token}`;
  const res = await fetch(`${emulator.url}${pathAndQuery}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}
