import { strict as assert } from 'node:assert';
import type { InputOf, TaskName } from '../../tasks/contracts.generated';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection, type Scheme, type TestConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { ROW, SAMPLE, trainAndRegisterSample, trainManyModels } from './trained-model';
import { readTraffic, type TrafficLine } from './traffic';

export const BASE_IMAGE = 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest';
/** Known secret values the scenarios hand to the tasks; none may ever be shown or written. */
export const KNOWN_SECRETS = { apiSecret: 'env-s3cr3t-7f3a91c2', dockerPassword: 'acr-passw0rd-5d7e20b8', apiKey: 'url-api-key-9c41e6d3' };

export type { TrafficLine } from './traffic';

/**
 * One emulator with what the task scenarios need: the diabetes sample trained and registered (job
 * `bed-train`, model `diabetes` v1), a few many-models (2 stores x 2 brands) and an online endpoint `bed-ep`
 * serving the model, plus a traffic log.
 */
export class ScenarioBed {
  emulator!: Emulator;
  log = '';
  dir = '';

  async start(scheme: Scheme = 'spnKey'): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bed-'));
    this.log = path.join(this.dir, 'traffic.jsonl');
    this.emulator = await startTrustedEmulator(this.log);
    await trainAndRegisterSample(this.emulator, 'bed-train');
    await trainManyModels(this.emulator, 'bed-many', { stores: 2, brands: 2 });
    const ep = await this.run(
      'DeployToAks',
      {
        endpointName: 'bed-ep',
        computeName: 'aks-prod',
        modelName: 'diabetes',
        modelVersion: '1',
        environment: BASE_IMAGE,
        codePath: path.join(SAMPLE, 'src'),
      },
      scheme,
    );
    assert.equal(ep.result, 'Succeeded', ep.stdout);
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }

  connection(scheme: Scheme = 'spnKey'): TestConnection {
    return emulatorConnection(this.emulator, scheme, `bed-${scheme}`);
  }

  run(task: string, inputs: Record<string, string>, scheme: Scheme = 'spnKey', env: Record<string, string> = {}): Promise<BundleRun> {
    const ws = { resourceGroupName: this.emulator.info.resourceGroup, workspaceName: this.emulator.info.workspace };
    return runBundle(task, { inputs: { ...ws, ...inputs }, connection: this.connection(scheme), env: { BUILD_BUILDID: '900', ...env } });
  }

  traffic(): TrafficLine[] {
    return readTraffic(this.log);
  }

  /** Requests that change state (token requests and secret reads aside), from line `from` of the traffic log on. */
  writesSince(from: number): TrafficLine[] {
    return this.traffic()
      .slice(from)
      .filter(
        (t) =>
          t.method !== 'GET' &&
          t.method !== 'HEAD' &&
          !/\/oauth2\/|\/listKeys|\/listSecrets|\/getLogs|\/token\b|\/runs\/search|_apis\/distributedtask\/.*oidctoken/i.test(new URL(t.url).pathname),
      );
  }

  /** How many of each kind of resource exist: two runs that converge leave these the same. */
  counts(): Record<string, number> {
    const s = this.emulator.state;
    const assets: Record<string, number> = {};
    for (const a of s.assets.values()) assets[`assets.${a.kind}`] = (assets[`assets.${a.kind}`] ?? 0) + 1;
    return {
      ...assets,
      modelVersions: [...s.modelVersions.values()].reduce((n, v) => n + v.length, 0),
      containerGroups: s.containerGroups.size,
      onlineEndpoints: s.onlineEndpoints.size,
      deployments: [...s.onlineEndpoints.values()].reduce((n, e) => n + [...e.deployments.values()].filter((d) => d.resource).length, 0),
      jobs: s.jobs.size,
      packages: s.packages.size,
      batchEndpoints: s.batchEndpoints.size,
      batchDeployments: [...s.batchEndpoints.values()].reduce((n, e) => n + e.deployments.size, 0),
      registryAssets: s.registryAssets.size,
    };
  }
}

/** A valid run of each agent task, with its own resource names from `id` (so each run writes afresh). */
/** The agent tasks (the server tasks have no bundle to run). */
export type AgentTask = Exclude<TaskName, 'RunAmlPipelineAgentless' | 'WaitForAmlJobAgentless'>;

/** A valid run of each agent task, its inputs typed by the task's contract. */
export const SCENARIOS: { [T in AgentTask]: (id: string) => Partial<Record<InputOf<T>, string>> } = {
  PublishAmlPipeline: (id) => ({ pipelineFile: path.join(SAMPLE, 'pipeline.yml'), componentName: `pub_${id.replace(/-/g, '_')}`, componentVersion: '1' }),
  EvaluateAndRegister: (id) => ({ jobName: 'bed-train', modelName: `gate-${id}`, rules: 'mse lower\nr2 higher threshold=0.3' }),
  DeployToAci: (id) => ({
    modelName: 'diabetes',
    modelVersion: '1',
    environment: BASE_IMAGE,
    codePath: path.join(SAMPLE, 'src'),
    containerGroupName: `aci-${id}`,
    secureEnvironmentVariables: `API_SECRET=${KNOWN_SECRETS.apiSecret}`,
  }),
  DeployToAks: (id) => ({
    endpointName: `aks-${id}`,
    computeName: 'aks-prod',
    modelName: 'diabetes',
    modelVersion: '1',
    environment: BASE_IMAGE,
    codePath: path.join(SAMPLE, 'src'),
    trafficStrategy: 'canary',
    canarySteps: '50,100',
  }),
  SmokeTest: () => ({
    target: 'onlineEndpoint',
    endpointName: 'bed-ep',
    payload: JSON.stringify({ data: [ROW] }),
    requestCount: '3',
    assertions: 'len($.predictions) == 1',
  }),
  DeployBatchEndpoint: (id) => ({
    endpointName: `batch-${id}`.slice(0, 32),
    deploymentName: 'ridge',
    computeName: 'cpu-cluster',
    modelName: 'diabetes',
    modelVersion: '1',
    environment: BASE_IMAGE,
    codePath: path.join(SAMPLE, 'src'),
    scoringScript: 'batch_score.py',
    miniBatchSize: '1',
  }),
  PromoteModel: (id) => ({
    modelName: 'diabetes',
    modelVersion: '1',
    registryName: 'mlops-registry',
    destinationName: `diabetes-${id}`,
    targetWorkspaceName: 'mlw-emulator-prod',
  }),
  GroupManyModels: (id) => ({
    modelTagFilter: 'ModelType=many-models-diabetes',
    splittingTags: 'Brand',
    sortingTags: 'Store',
    servicePrefix: `g${id}`.slice(0, 20),
    routingModelName: `routes-${id}`,
    environment: BASE_IMAGE,
    codePath: path.join(SAMPLE, 'src'),
    scoringScript: 'many_models_score.py',
    concurrency: '2',
  }),
};

/** Outputs with what legitimately differs between runs of other names (the name itself, ports) made equal. */
export function normalizedOutputs(run: BundleRun, id: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(run.outputs)
      .filter(([k]) => !['planFile', 'routingMapFile'].includes(k))
      .map(([k, v]) => [
        k,
        v
          .split(id)
          .join('<id>')
          .split(id.replace(/-/g, '_'))
          .join('<id>')
          .replace(/:\d{2,5}\//g, ':<port>/')
          .replace(/\d+(\.\d+)? ms/g, '<ms>'),
      ])
      .filter(([k]) => !/latency/i.test(k)),
  );
}

/** The agent tasks that have a scenario, in a fixed order. */
export const AGENT_TASKS = Object.keys(SCENARIOS) as AgentTask[];
