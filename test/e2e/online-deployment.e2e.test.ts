import { strict as assert } from 'node:assert';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { sendAndWait } from '../../shared/azure/lro';
import { scaledClock } from '../../shared/clock';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle } from '../../scripts/lib/run-bundle';
import { ROW, trainAndRegisterSample } from '../support/trained-model';
import { emulatorClients, endpointPath } from '../support/arm';

describe('emulator online deployments serve the real scoring script', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let ids: { model: string; env: string; code: string };

  before(async () => {
    emulator = await startTrustedEmulator();
    const modelId = await trainAndRegisterSample(emulator, 'train-online');
    const assets = [...emulator.state.assets.values()];
    ids = {
      model: modelId,
      env: assets.find((a) => a.kind === 'environments' && a.resource.properties.environmentType !== 'Curated')!.resource.id,
      code: assets.find((a) => a.kind === 'codes')!.resource.id,
    };
  });
  after(() => emulator.stop());

  const deploymentBody = () => ({
    location: 'westeurope',
    properties: {
      endpointComputeType: 'Kubernetes',
      model: ids.model,
      environmentId: ids.env,
      codeConfiguration: { codeId: ids.code, scoringScript: 'score.py' },
      instanceType: 'defaultinstancetype',
      scaleSettings: { scaleType: 'Default' },
    },
  });

  it('creates a Kubernetes endpoint and deployment, moves traffic by PUT, and scores with the trained model', async () => {
    const { clients } = emulatorClients(emulator);
    const rest = clients.rest();
    const compute = await rest.request<{ properties: { computeType: string } }>(
      'GET',
      endpointPath(emulator, 'x').replace('/onlineEndpoints/x', '/computes/aks-prod'),
      { operation: 'get compute' },
    );
    assert.equal(compute.body.properties.computeType, 'Kubernetes');
    const wait = { deadlineMs: 30_000, clock: scaledClock(emulator.info.timeScale), pollIntervalMs: 10 };
    await sendAndWait(
      rest,
      'PUT',
      endpointPath(emulator, 'diabetes-prod'),
      { location: 'westeurope', properties: { authMode: 'Key', compute: 'aks-prod' } },
      { operation: 'create endpoint', ...wait },
    );
    const created = await sendAndWait<{ properties: { provisioningState: string } }>(
      rest,
      'PUT',
      `${endpointPath(emulator, 'diabetes-prod')}/deployments/blue`,
      deploymentBody(),
      { operation: 'create deployment', ...wait },
    );
    assert.equal(created.body.properties.provisioningState, 'Succeeded');
    await sendAndWait(
      rest,
      'PUT',
      endpointPath(emulator, 'diabetes-prod'),
      { location: 'westeurope', properties: { authMode: 'Key', compute: 'aks-prod', traffic: { blue: 100 } } },
      { operation: 'traffic', ...wait },
    );
    const smoke = await runBundle('SmokeTest', {
      inputs: {
        target: 'onlineEndpoint',
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        endpointName: 'diabetes-prod',
        payload: JSON.stringify({ data: [ROW] }),
        assertions: '$.predictions[0] > 50\n$.predictions[0] < 350',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(smoke.result, 'Succeeded', smoke.stdout);
    await assert.rejects(
      rest.request('DELETE', `${endpointPath(emulator, 'diabetes-prod')}/deployments/blue`, { operation: "Delete deployment 'blue'" }),
      /has 100% traffic; move its traffic before deleting it/,
    );
  });

  it('a deployment that never becomes healthy fails its LRO and its logs say why', async () => {
    emulator.state.unhealthyDeployments.add('green');
    const { clients } = emulatorClients(emulator);
    const rest = clients.rest();
    await assert.rejects(
      sendAndWait(rest, 'PUT', `${endpointPath(emulator, 'diabetes-prod')}/deployments/green`, deploymentBody(), {
        operation: "Create deployment 'green'",
        deadlineMs: 30_000,
        clock: scaledClock(emulator.info.timeScale),
        pollIntervalMs: 10,
      }),
      /Create deployment 'green' ended Failed: ResourceNotReady: User container has crashed or terminated/,
    );
    const logs = await rest.request<{ content: string }>('POST', `${endpointPath(emulator, 'diabetes-prod')}/deployments/green/getLogs`, {
      operation: 'logs',
      body: { containerType: 'InferenceServer', tail: 20 },
    });
    assert.match(logs.body.content, /Readiness probe failed/);
  });
});
