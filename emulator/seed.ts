import { startEmulator, type Emulator } from './server';

/** Starts an emulator on the certificate the run trusts (scripts/trusted-node.js makes it). */
export async function startTrustedEmulator(trafficLog?: string): Promise<Emulator> {
  const certFile = process.env.EMULATOR_TLS_CERT;
  const keyFile = process.env.EMULATOR_TLS_KEY;
  if (!certFile || !keyFile) throw new Error('Start through `npm test` or `npm run demo`: they make and trust the emulator certificate.');
  return startEmulator({ tls: { certFile, keyFile }, trafficLog });
}

export interface SeedEndpoint {
  name: string;
  authMode?: 'Key' | 'AMLToken' | 'AADToken';
  deployments?: Record<string, { traffic: number; healthy?: boolean }>;
  compute?: string;
}

/** Creates an online endpoint and its deployments directly in the emulator's state (until deployment routes exist). */
export function seedEndpoint(emulator: Emulator, seed: SeedEndpoint): void {
  const ws = emulator.state.defaultWorkspace;
  const traffic: Record<string, number> = {};
  const deployments = new Map<string, { name: string; healthy: boolean }>();
  for (const [name, d] of Object.entries(seed.deployments ?? { blue: { traffic: 100 } })) {
    traffic[name] = d.traffic;
    deployments.set(name, { name, healthy: d.healthy ?? true });
  }
  const id = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}/onlineEndpoints/${seed.name}`;
  emulator.state.onlineEndpoints.set(id.toLowerCase(), {
    workspace: ws,
    name: seed.name,
    keys: { primaryKey: `pk-${seed.name}-${Math.random().toString(36).slice(2)}`, secondaryKey: `sk-${Math.random().toString(36).slice(2)}` },
    deployments,
    resource: {
      id,
      name: seed.name,
      type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
      location: ws.location,
      tags: {},
      properties: {
        authMode: seed.authMode ?? 'Key',
        compute: seed.compute,
        traffic,
        scoringUri: `${emulator.url}/inference/${seed.name}/score`,
        provisioningState: 'Succeeded',
      },
    },
  });
}
