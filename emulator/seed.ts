import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registryAssetKey } from './kit/aml-registry';
import { createRun, rememberSecret } from './kit/state';
import { startEmulator, type Emulator } from './server';

/** Starts an emulator on the certificate the run trusts (scripts/trusted-node.js makes it). */
export async function startTrustedEmulator(trafficLog?: string): Promise<Emulator> {
  const certFile = process.env.EMULATOR_TLS_CERT;
  const keyFile = process.env.EMULATOR_TLS_KEY;
  if (!certFile || !keyFile) throw new Error('Start through `npm test` or `npm run demo`: they make and trust the emulator certificate.');
  return startEmulator({ tls: { certFile, keyFile }, trafficLog });
}

/** A traffic-log file in a fresh temporary folder of its own, for a test's emulator. */
export function newTrafficLog(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'traffic-')), 'traffic.jsonl');
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
    keys: { primaryKey: `pk-${seed.name}-${randomBytes(12).toString('hex')}`, secondaryKey: `sk-${randomBytes(12).toString('hex')}` },
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

export interface SeedJob {
  name: string;
  status?: 'Completed' | 'Failed' | 'Running' | 'Canceled';
  /** Metrics of the pipeline job's own MLflow run. */
  metrics?: Record<string, number>;
  /** Metrics of step runs, by step name. */
  steps?: Record<string, Record<string, number>>;
  tags?: Record<string, string>;
}

/** A finished pipeline job with a `model` output and MLflow runs, as if it had trained (for gate tests). */
export function seedJob(emulator: Emulator, seed: SeedJob): void {
  const { state } = emulator;
  const ws = state.defaultWorkspace;
  const id = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}/jobs/${seed.name}`;
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), `model-${seed.name}-`));
  fs.writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify({ job: seed.name }));
  state.jobs.set(id.toLowerCase(), {
    workspace: ws,
    name: seed.name,
    baseUrl: emulator.url,
    processes: new Set(),
    cancelRequested: false,
    outputs: { model: modelDir },
    steps: {},
    errors: {},
    resource: {
      id,
      name: seed.name,
      type: 'Microsoft.MachineLearningServices/workspaces/jobs',
      systemData: { createdAt: new Date(Date.now() + state.jobs.size).toISOString() },
      properties: {
        jobType: 'Pipeline',
        status: seed.status ?? 'Completed',
        experimentName: 'gate',
        displayName: seed.name,
        tags: seed.tags ?? {},
        outputs: {
          model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', uri: `azureml://datastores/workspaceblobstore/paths/azureml/${seed.name}/model/` },
        },
      },
    },
  });
  const log = (runId: string, metrics: Record<string, number>) => {
    const run = state.mlflowRuns.get(runId);
    for (const [key, value] of Object.entries(metrics)) run?.metrics.set(key, [{ key, value, timestamp: Date.now(), step: 0 }]);
  };
  createRun(state, seed.name, 'gate', seed.name);
  log(seed.name, seed.metrics ?? {});
  for (const [step, metrics] of Object.entries(seed.steps ?? {})) {
    createRun(state, `${seed.name}_${step}`, 'gate', step, { 'mlflow.parentRunId': seed.name, 'azureml.nodeid': step });
    log(`${seed.name}_${step}`, metrics);
  }
}

/** A team's private registry holding `images` (`repository:tag`), with an admin login and pulling identities. */
export function seedRegistry(
  emulator: Emulator,
  server: string,
  seed: { images: string[]; username: string; password: string; pullIdentities?: string[] },
): void {
  rememberSecret(seed.password);
  emulator.state.registries.set(server.toLowerCase(), {
    server: server.toLowerCase(),
    anonymous: false,
    images: new Set(seed.images),
    username: seed.username,
    password: seed.password,
    pullIdentities: new Set((seed.pullIdentities ?? []).map((i) => i.toLowerCase())),
  });
}

/**
 * An asset version in an Azure ML registry (a team's shared registry, say), as `az ml component create
 * --registry-name` or a model share would leave it: addressed `azureml://registries/<r>/<type>/<name>/versions/<v>`.
 */
export function seedRegistryAsset(emulator: Emulator, uri: string, properties: Record<string, unknown>): void {
  const m = /^azureml:\/\/registries\/([^/]+)\/(environments|components|models|data|codes)\/([^/]+)\/versions\/([^/]+)$/.exec(uri);
  if (!m) throw new Error(`'${uri}' is not azureml://registries/<registry>/<type>/<name>/versions/<version>`);
  const [, registry, type, name, version] = m;
  const { subscriptionId, resourceGroup } = emulator.info;
  emulator.state.registryAssets.set(registryAssetKey(registry, type, name, version), {
    registry: registry.toLowerCase(),
    type,
    name,
    version,
    resource: {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${registry}/${type}/${name}/versions/${version}`,
      name: version,
      type: `Microsoft.MachineLearningServices/registries/${type}/versions`,
      systemData: { createdAt: new Date().toISOString() },
      properties,
    },
  });
}
