import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator, newTrafficLog } from '../../emulator/seed';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { ROW, SAMPLE, trainAndRegisterSample } from '../support/trained-model';
import { readTraffic } from '../support/traffic';

describe('DeployToAks bundle against the emulator', function () {
  this.timeout(240_000);
  let emulator: Emulator;
  let log: string;

  const ws = () => ({ resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace });
  const deploy = (inputs: Record<string, string>): Promise<BundleRun> =>
    runBundle('DeployToAks', {
      inputs: {
        ...ws(),
        endpointName: 'diabetes-prod',
        computeName: 'aks-prod',
        modelName: 'diabetes',
        environment: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest',
        codePath: path.join(SAMPLE, 'src'),
        smokePayload: JSON.stringify({ data: [ROW] }),
        ...inputs,
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
  const endpoint = () => [...emulator.state.onlineEndpoints.values()].find((e) => e.name === 'diabetes-prod');
  const traffic = () => (endpoint()?.resource.properties as { traffic: Record<string, number> }).traffic;
  const writes = () => readTraffic(log).filter((l) => l.method !== 'GET' && !l.url.includes('/oauth2/'));

  before(async () => {
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
    await trainAndRegisterSample(emulator, 'train-aks');
  });
  after(() => emulator.stop());

  it('first deployment (canary asked, nothing to split against): creates the endpoint and blue, smokes it through the header, moves all traffic; SmokeTest gets real predictions', async () => {
    const run = await deploy({ trafficStrategy: 'canary' });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.match(
      run.attachments.map((a) => a.content).join('\n'),
      /\[endpoint diabetes-prod\]\(https:\/\/ml\.azure\.com\/endpoints\/realtime\/diabetes-prod\/detail\?wsid=\/subscriptions\//,
    );
    assert.match(run.stdout, /No deployment takes traffic on 'diabetes-prod' yet: 'blue' gets all of it at once\./);
    assert.deepEqual(
      { ...run.outputs, scoringUri: undefined },
      { scoringUri: undefined, endpointName: 'diabetes-prod', deploymentName: 'blue', previousDeploymentName: '', traffic: '{"blue":100}' },
    );
    assert.equal((endpoint()?.resource.properties as { compute: string }).compute.endsWith('/computes/aks-prod'), true);
    const smoke = await runBundle('SmokeTest', {
      inputs: {
        ...ws(),
        target: 'onlineEndpoint',
        endpointName: 'diabetes-prod',
        payload: JSON.stringify({ data: [ROW] }),
        assertions: '$.predictions[0] > 50\n$.predictions[0] < 350',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(smoke.result, 'Succeeded', smoke.stdout);
  });

  it('canary (a new instance count to roll out): green in steps of 10, 50, 100 with a probe after each, then the old deployment is deleted', async () => {
    const run = await deploy({ trafficStrategy: 'canary', canarySteps: '10,50,100', deleteOldDeployment: 'true', instanceCount: '2' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.deploymentName, 'green');
    assert.equal(run.outputs.previousDeploymentName, 'blue');
    for (const step of ['{"blue":90,"green":10}', '{"blue":50,"green":50}', '{"blue":0,"green":100}']) assert.ok(run.stdout.includes(`Traffic: ${step}`), step);
    assert.deepEqual(traffic(), { green: 100 });
    assert.deepEqual([...endpoint()!.deployments.keys()], ['green']);
  });

  it('rollback: a new deployment that never gets healthy leaves traffic on the old one (never deleted), prints its logs, and fails', async () => {
    emulator.state.unhealthyDeployments.add('blue');
    try {
      const run = await deploy({ trafficStrategy: 'replace', instanceCount: '3', deleteOldDeployment: 'true' });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /Create deployment 'blue' on 'diabetes-prod' ended Failed: ResourceNotReady/);
      assert.match(run.stdout, /Last lines of the logs of deployment 'blue'/);
      assert.match(run.stdout, /Readiness probe failed/);
      assert.deepEqual(traffic(), { green: 100 });
      assert.ok(endpoint()!.deployments.get('green')?.healthy, 'deleteOldDeployment never removes what is serving when the new one failed');
    } finally {
      emulator.state.unhealthyDeployments.delete('blue');
    }
  });

  it('an environment image no registry holds fails the new deployment with ImageBuildFailure; traffic stays on the old one', async () => {
    const image = 'mcr.microsoft.com/azureml/no-such-base:1';
    const run = await deploy({ trafficStrategy: 'replace', instanceCount: '2', environment: image });
    assert.equal(run.result, 'Failed');
    assert.match(
      run.message ?? '',
      /ended Failed: ImageBuildFailure: The environment image 'mcr\.microsoft\.com\/azureml\/no-such-base:1' could not be pulled: no registry holds it/,
    );
    assert.deepEqual(traffic(), { green: 100 });
  });

  it('rollback mid-canary: the endpoint fails its probe after the first step, and traffic goes back', async () => {
    const before = { ...traffic() };
    // The three smoke requests through the header pass; every request after them fails.
    emulator.faults.add({ path: '/inference/diabetes-prod/score', fault: { type: 'status', status: 503 }, after: 3, times: 1000 });
    try {
      const run = await deploy({ trafficStrategy: 'canary', canarySteps: '10,100', instanceCount: '3', deleteOldDeployment: 'true' });
      assert.equal(run.result, 'Failed');
      assert.match(run.stdout, /Traffic: \{"green":90,"blue":10\}/);
      assert.match(run.stdout, /Rolling back: traffic goes back to \{"green":100\}/);
      assert.match(run.message ?? '', /The smoke request to endpoint 'diabetes-prod' answered 503/);
      assert.deepEqual(traffic(), before);
      assert.ok(endpoint()!.deployments.has('green'), 'the serving deployment is kept');
    } finally {
      emulator.faults.clear();
    }
  });

  it("maps MLOpsPython's v1 deployment_config_aks.yml field by field, warning for what v2 lacks", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'v1-')), 'deployment_config_aks.yml');
    fs.writeFileSync(
      file,
      'computeType: AKS\nautoScaler:\n  autoscaleEnabled: True\n  minReplicas: 1\n  maxReplicas: 3\n  refreshPeriodInSeconds: 10\n  targetUtilization: 70\nauthEnabled: True\ncontainerResourceRequirements:\n  cpu: 0.5\n  memoryInGB: 2\nappInsightsEnabled: True\nscoringTimeoutMs: 5000\nmaxConcurrentRequestsPerContainer: 2\nmaxQueueWaitMs: 5000\nsslEnabled: True\n',
    );
    const run = await deploy({ deploymentConfigFile: file, deploymentName: 'v1cfg', trafficStrategy: 'none' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /'authEnabled' has no v2 deployment setting/);
    assert.match(run.stdout, /'sslEnabled' has no v2 equivalent and is ignored/);
    const props = endpoint()!.deployments.get('v1cfg')!.resource!.properties;
    assert.deepEqual(props.scaleSettings, {
      scaleType: 'TargetUtilization',
      minInstances: 1,
      maxInstances: 3,
      targetUtilizationPercentage: 70,
      pollingInterval: 'PT10S',
    });
    assert.deepEqual(props.requestSettings, { requestTimeout: 'PT5S', maxConcurrentRequestsPerInstance: 2, maxQueueWait: 'PT5S' });
    assert.deepEqual(props.containerResourceRequirements, { containerResourceRequests: { cpu: '0.5', memory: '2Gi' } });
    assert.equal(props.appInsightsEnabled, true);
    assert.deepEqual(traffic(), { green: 100 }, 'trafficStrategy none leaves the traffic as it was');
  });

  it('uses a CLI v2 online-deployment YAML', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'v2-')), 'deployment.yml');
    fs.writeFileSync(
      file,
      '$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json\ninstance_type: defaultinstancetype\ninstance_count: 2\nrequest_settings:\n  request_timeout_ms: 3000\nliveness_probe:\n  initial_delay: 10\n  period: 10\n',
    );
    const run = await deploy({ deploymentConfigFile: file, deploymentName: 'v2cfg', trafficStrategy: 'none' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const d = endpoint()!.deployments.get('v2cfg')!.resource!;
    assert.deepEqual(d.sku, { name: 'Default', capacity: 2 });
    assert.equal(d.properties.instanceType, 'defaultinstancetype');
    assert.deepEqual(d.properties.livenessProbe, { initialDelay: 'PT10S', period: 'PT10S' });
  });

  it('a re-run converges: the live deployment already serves this model, so nothing changes; a changed setting rolls out to the other colour', async () => {
    const assets = emulator.state.assets.size;
    const first = await deploy({ deleteOldDeployment: 'true' });
    assert.equal(first.result, 'Succeeded', first.stdout);
    const deployments = endpoint()!.deployments.size;
    const again = await deploy({ deleteOldDeployment: 'true' });
    assert.equal(again.result, 'Succeeded', again.stdout);
    assert.match(again.message ?? '', /already live as/);
    assert.deepEqual(again.outputs, first.outputs.previousDeploymentName ? { ...first.outputs, previousDeploymentName: '' } : first.outputs);
    assert.equal(endpoint()!.deployments.size, deployments, 'no new deployment');
    assert.equal(emulator.state.assets.size, assets, 'no new code or environment assets');
    const changed = await deploy({ deleteOldDeployment: 'true', instanceCount: '4' });
    assert.equal(changed.result, 'Succeeded', changed.stdout);
    assert.notEqual(changed.outputs.deploymentName, first.outputs.deploymentName);
    assert.deepEqual(
      Object.entries(traffic()).filter(([, p]) => p > 0),
      [[changed.outputs.deploymentName, 100]],
    );
  });

  it('computeType managed with aml_token auth: same flow on a managed endpoint', async () => {
    const run = await deploy({
      endpointName: 'diabetes-managed',
      computeType: 'managed',
      computeName: '',
      authMode: 'aml_token',
      instanceType: 'Standard_DS3_v2',
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const managed = [...emulator.state.onlineEndpoints.values()].find((e) => e.name === 'diabetes-managed')!;
    assert.equal((managed.resource.properties as { authMode: string }).authMode, 'AMLToken');
    assert.equal(managed.deployments.get('blue')?.resource?.properties.endpointComputeType, 'Managed');
    const smoke = await runBundle('SmokeTest', {
      inputs: { ...ws(), target: 'onlineEndpoint', endpointName: 'diabetes-managed', payload: JSON.stringify({ data: [ROW] }) },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(smoke.result, 'Succeeded', smoke.stdout);
    assert.match(smoke.stdout, /auth: amlToken/);
  });

  describe('rejected before any write', () => {
    for (const [label, inputs, message] of [
      ['a non-Kubernetes compute', { computeName: 'cpu-cluster' }, /Input 'computeName': compute 'cpu-cluster' is of type AmlCompute, not Kubernetes/],
      ['a missing compute', { computeName: 'nope' }, /Input 'computeName': compute 'nope' does not exist/],
      ['a bad endpoint name', { endpointName: '1-diabetes' }, /Input 'endpointName': '1-diabetes' is not a valid endpoint name/],
      ['bad canary steps', { trafficStrategy: 'canary', canarySteps: '50,10' }, /Input 'canarySteps': '50,10' is not valid/],
    ] as const) {
      it(label, async () => {
        fs.rmSync(log, { force: true });
        const run = await deploy(inputs as Record<string, string>);
        assert.equal(run.result, 'Failed');
        assert.match(run.message ?? '', message);
        assert.deepEqual(writes(), []);
      });
    }
  });
});
