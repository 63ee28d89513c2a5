import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { newTrafficLog, startTrustedEmulator } from '../../emulator/seed';
import type { Emulator } from '../../emulator/server';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { emulatorClients, endpointPath } from '../support/arm';
import { ROW, SAMPLE, trainAndRegisterSample } from '../support/trained-model';
import { readTraffic } from '../support/traffic';

const BASE_IMAGE = 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest';
const REGISTRY_MODEL = 'azureml://registries/mlops-registry/models/diabetes/versions/1';

describe('PromoteModel: dev workspace -> registry -> prod workspace, deployed there from the registry reference', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let log: string;
  const inWorkspace = (workspaceName: string) => ({ resourceGroupName: emulator.info.resourceGroup, workspaceName });
  const run = (task: string, inputs: Record<string, string>, workspace = 'mlw-emulator'): Promise<BundleRun> =>
    runBundle(task, { inputs: { ...inWorkspace(workspace), ...inputs }, connection: emulatorConnection(emulator, 'spnKey') });
  const publishes = (from: number) =>
    readTraffic(log)
      .slice(from)
      .filter((l) => l.method === 'POST' && l.url.includes('/publish'));

  before(async () => {
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
    await trainAndRegisterSample(emulator, 'train-promote');
  });
  after(() => emulator.stop());

  it('shares the production-tagged version into the registry (a long-running operation), lineage tags kept, the target workspace checked', async () => {
    const promote = await run('PromoteModel', { modelName: 'diabetes', registryName: 'mlops-registry', targetWorkspaceName: 'mlw-emulator-prod' });
    assert.equal(promote.result, 'Succeeded', promote.stdout + promote.stderr);
    assert.deepEqual(promote.outputs, { registryModelId: REGISTRY_MODEL, modelName: 'diabetes', modelVersion: '1' });
    const shared = [...emulator.state.registryAssets.values()].find((a) => a.name === 'diabetes');
    const source = [...emulator.state.modelVersions.values()].flat().find((v) => v.name === 'diabetes' && v.version === '1');
    assert.deepEqual(shared?.resource.properties.tags, source?.resource.properties.tags);
    assert.equal(shared?.resource.properties.tags.lifecycle, 'production');
    assert.ok(emulator.state.blobs.under('registries/mlops-registry/models/diabetes/versions/1').length > 0, 'the registry holds its own copy of the files');
    const publish = publishes(0);
    assert.equal(publish.length, 1);
    assert.equal(publish[0].status, 202);
    assert.deepEqual(publish[0].requestBody, { registryName: 'mlops-registry', destinationName: 'diabetes', destinationVersion: '1' });
    assert.match(String(publish[0].responseHeaders.location ?? publish[0].responseHeaders.Location), /mfeOperationResults/);
  });

  it('a re-run finds the same version there and shares nothing', async () => {
    const mark = readTraffic(log).length;
    const again = await run('PromoteModel', { modelName: 'diabetes', registryName: 'mlops-registry', targetWorkspaceName: 'mlw-emulator-prod' });
    assert.equal(again.result, 'Succeeded', again.stdout);
    assert.match(again.stdout, /already holds diabetes v1 \(same tags and type\): nothing to share/);
    assert.deepEqual(publishes(mark), []);
  });

  it('another model under an existing registry version is refused, naming destinationVersion; the registry is unchanged', async () => {
    const { clients } = emulatorClients(emulator);
    const modelPath = endpointPath(emulator, 'x').replace('/onlineEndpoints/x', '/models/diabetes/versions/2');
    await clients.rest().request('PUT', modelPath, {
      operation: 'register v2',
      body: { properties: { modelUri: 'azureml://jobs/train-promote/outputs/model', tags: { note: 'v2' } } },
    });
    const mark = readTraffic(log).length;
    const conflict = await run('PromoteModel', { modelName: 'diabetes', modelVersion: '2', registryName: 'mlops-registry', destinationVersion: '1' });
    assert.equal(conflict.result, 'Failed');
    assert.match(
      conflict.stdout,
      /Input 'destinationVersion': registry 'mlops-registry' already has model 'diabetes' version '1', with other tags or type than diabetes v2; registry versions are never overwritten: choose another destinationVersion/,
    );
    assert.deepEqual(publishes(mark), []);
    assert.equal(emulator.state.registryAssets.size, 1);
  });

  it('refuses an unknown registry and an unknown target workspace before sharing anything', async () => {
    const mark = readTraffic(log).length;
    const noRegistry = await run('PromoteModel', { modelName: 'diabetes', registryName: 'no-such-registry' });
    assert.match(noRegistry.stdout, /Input 'registryName': registry 'no-such-registry' does not exist in resource group 'rg-mlops'/);
    const noTarget = await run('PromoteModel', { modelName: 'diabetes', registryName: 'mlops-registry', targetWorkspaceName: 'mlw-nowhere' });
    assert.match(noTarget.stdout, /Input 'targetWorkspaceName': workspace 'mlw-nowhere' does not exist in resource group 'rg-mlops'/);
    assert.deepEqual(publishes(mark), []);
  });

  it('the prod workspace deploys the registry reference to a managed online endpoint and answers with predictions', async () => {
    const deploy = await run(
      'DeployToAks',
      {
        endpointName: 'diabetes-prod-rt',
        computeType: 'managed',
        modelName: REGISTRY_MODEL,
        environment: BASE_IMAGE,
        codePath: path.join(SAMPLE, 'src'),
        smokePayload: JSON.stringify({ data: [ROW] }),
      },
      'mlw-emulator-prod',
    );
    assert.equal(deploy.result, 'Succeeded', deploy.stdout + deploy.stderr);
    const deployment = [...emulator.state.onlineEndpoints.values()].find((e) => e.name === 'diabetes-prod-rt');
    assert.equal(deployment?.workspace.name, 'mlw-emulator-prod');
    const smoke = await run(
      'SmokeTest',
      { target: 'onlineEndpoint', endpointName: 'diabetes-prod-rt', payload: JSON.stringify({ data: [ROW] }), assertions: '$.predictions[0] > 0' },
      'mlw-emulator-prod',
    );
    assert.equal(smoke.result, 'Succeeded', smoke.stdout);
  });

  it('the prod workspace builds a model package of the registry model (the registry packages it) and runs it on ACI', async () => {
    const aci = await run(
      'DeployToAci',
      { modelName: REGISTRY_MODEL, environment: BASE_IMAGE, codePath: path.join(SAMPLE, 'src'), containerGroupName: 'diabetes-prod-qa' },
      'mlw-emulator-prod',
    );
    assert.equal(aci.result, 'Succeeded', aci.stdout + aci.stderr);
    const pkg = readTraffic(log).find((l) => l.method === 'POST' && l.url.includes('/registries/mlops-registry/models/diabetes/versions/1/package'));
    assert.equal(pkg?.status, 202);
    assert.match(
      String((pkg?.requestBody as { targetEnvironmentId?: string }).targetEnvironmentId),
      /\/workspaces\/mlw-emulator-prod\/environments\/diabetes-package\/versions\//,
    );
    const smoke = await run(
      'SmokeTest',
      { target: 'url', scoringUri: aci.outputs.scoringUri, authMode: 'none', payload: JSON.stringify({ data: [ROW] }), assertions: '$.predictions[0] > 0' },
      'mlw-emulator-prod',
    );
    assert.equal(smoke.result, 'Succeeded', smoke.stdout);
  });

  it('Kubernetes endpoints cannot take registry models: refused before anything is written', async () => {
    const mark = readTraffic(log).length;
    const aks = await run(
      'DeployToAks',
      { endpointName: 'diabetes-k8s', computeName: 'aks-prod', modelName: REGISTRY_MODEL, environment: BASE_IMAGE, codePath: path.join(SAMPLE, 'src') },
      'mlw-emulator-prod',
    );
    assert.equal(aks.result, 'Failed');
    assert.match(aks.stdout, /Input 'computeType': Kubernetes online endpoints cannot deploy models from a registry/);
    assert.deepEqual(
      readTraffic(log)
        .slice(mark)
        .filter((l) => l.method !== 'GET' && !l.url.includes('/oauth2/')),
      [],
    );
  });

  it('the prod workspace deploys the registry reference to a batch endpoint, and a batch smoke test scores with it', async () => {
    const deploy = await run(
      'DeployBatchEndpoint',
      {
        endpointName: 'diabetes-prod-batch',
        deploymentName: 'ridge',
        computeName: 'cpu-cluster',
        modelName: REGISTRY_MODEL,
        environment: BASE_IMAGE,
        codePath: path.join(SAMPLE, 'src'),
        scoringScript: 'batch_score.py',
      },
      'mlw-emulator-prod',
    );
    assert.equal(deploy.result, 'Succeeded', deploy.stdout + deploy.stderr);
    const smoke = await run(
      'SmokeTest',
      { target: 'batchEndpoint', endpointName: 'diabetes-prod-batch', batchInput: path.join(SAMPLE, 'batch', 'inputs'), expectedRowCount: '9' },
      'mlw-emulator-prod',
    );
    assert.equal(smoke.result, 'Succeeded', smoke.stdout + smoke.stderr);
  });

  it('EvaluateAndRegister outputs the metrics it compared and shares a passing candidate into the registry', async () => {
    const gate = await run('EvaluateAndRegister', {
      jobName: 'train-promote',
      modelName: 'diabetes-gated',
      rules: 'mse lower\nr2 higher',
      publishToRegistry: 'mlops-registry',
    });
    assert.equal(gate.result, 'Succeeded', gate.stdout + gate.stderr);
    const candidate = JSON.parse(gate.outputs.candidateMetrics) as Record<string, number>;
    assert.deepEqual(Object.keys(candidate).sort(), ['mse', 'r2']);
    assert.ok(candidate.mse > 0 && candidate.r2 > 0 && candidate.r2 < 1, gate.outputs.candidateMetrics);
    assert.equal(gate.outputs.championMetrics, '{}');
    assert.equal(gate.outputs.registryModelId, 'azureml://registries/mlops-registry/models/diabetes-gated/versions/1');
    assert.ok([...emulator.state.registryAssets.values()].some((a) => a.name === 'diabetes-gated'));
  });
});
