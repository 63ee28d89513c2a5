import { strict as assert } from 'node:assert';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ClientSecretCredential } from '@azure/identity';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { emulatorClients, endpointPath } from '../support/arm';

/**
 * Microsoft's own Azure SDK clients for Azure ML (@azure/arm-machinelearning, api-version 2022-10-01) and Container
 * Instances (@azure/arm-containerinstance, 2023-05-01) against the emulator, through their typed operations: every
 * answer must deserialize, every long-running operation complete, every list page through its nextLink.
 */
describe('official Azure SDK clients against the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let ml: AzureMachineLearningWorkspaces;
  let aci: ContainerInstanceManagementClient;
  let rg: string;
  let ws: string;
  const ARM = { credentialScopes: ['https://management.azure.com/.default'] };

  before(async () => {
    emulator = await startTrustedEmulator();
    const { info } = emulator;
    const credential = new ClientSecretCredential(info.tenantId, info.clientId, info.clientSecret, {
      authorityHost: info.authorityHost,
      disableInstanceDiscovery: true,
    });
    // The SDKs poll long-running operations every Retry-After; the emulator's is time-scaled, theirs is not.
    emulator.state.retryAfterSeconds = 0;
    emulator.state.pageSize = 2;
    ml = new AzureMachineLearningWorkspaces(credential, info.subscriptionId, { endpoint: emulator.url, ...ARM });
    aci = new ContainerInstanceManagementClient(credential, info.subscriptionId, { endpoint: emulator.url, ...ARM });
    rg = info.resourceGroup;
    ws = info.workspace;
  });
  after(() => emulator.stop());

  const all = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const item of items) out.push(item);
    return out;
  };

  it('workspaces.get and computeOperations.list (paged) and get', async () => {
    const workspace = await ml.workspaces.get(rg, ws);
    assert.equal(workspace.name, ws);
    assert.match(workspace.mlFlowTrackingUri ?? '', /^azureml:\/\//);
    const computes = await all(ml.computeOperations.list(rg, ws));
    assert.deepEqual(computes.map((c) => c.name).sort(), ['aks-prod', 'cpu-cluster']);
    assert.equal((await ml.computeOperations.get(rg, ws, 'aks-prod')).properties?.computeType, 'Kubernetes');
  });

  it('modelContainers.createOrUpdate, modelVersions.createOrUpdate and their lists page through nextLink', async () => {
    const container = await ml.modelContainers.createOrUpdate(rg, ws, 'sdk-model', { properties: { description: 'from the SDK', tags: { team: 'ml' } } });
    assert.equal(container.properties.description, 'from the SDK');
    for (const version of ['1', '2', '3']) {
      const created = await ml.modelVersions.createOrUpdate(rg, ws, 'sdk-model', version, {
        properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/models/sdk/', modelType: 'custom_model', tags: { v: version } },
      });
      assert.equal(created.name, version);
      assert.ok(created.systemData?.createdAt instanceof Date, 'systemData deserializes to dates');
    }
    const versions = await all(ml.modelVersions.list(rg, ws, 'sdk-model'));
    assert.deepEqual(versions.map((v) => v.name).sort(), ['1', '2', '3'], 'three versions over pages of two');
    const containers = await all(ml.modelContainers.list(rg, ws));
    assert.ok(containers.some((c) => c.name === 'sdk-model' && c.properties.latestVersion === '3'));
  });

  it('onlineEndpoints: create (LRO), list (paged), listKeys, update tags (LRO), delete (LRO)', async () => {
    for (const name of ['sdk-ep-1', 'sdk-ep-2', 'sdk-ep-3']) {
      const endpoint = await ml.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, name, { location: 'westeurope', properties: { authMode: 'Key' } });
      assert.equal(endpoint.properties.provisioningState, 'Succeeded');
      assert.match(endpoint.properties.scoringUri ?? '', /\/score$/);
    }
    const listed = await all(ml.onlineEndpoints.list(rg, ws));
    assert.deepEqual(
      listed
        .map((e) => e.name)
        .filter((n) => n?.startsWith('sdk-ep-'))
        .sort(),
      ['sdk-ep-1', 'sdk-ep-2', 'sdk-ep-3'],
    );
    const keys = await ml.onlineEndpoints.listKeys(rg, ws, 'sdk-ep-1');
    assert.ok((keys.primaryKey ?? '').length > 8);
    await ml.onlineEndpoints.beginUpdateAndWait(rg, ws, 'sdk-ep-1', { tags: { stage: 'test' } });
    assert.deepEqual((await ml.onlineEndpoints.get(rg, ws, 'sdk-ep-1')).tags, { stage: 'test' });
    await ml.onlineEndpoints.beginDeleteAndWait(rg, ws, 'sdk-ep-3');
    await assert.rejects(ml.onlineEndpoints.get(rg, ws, 'sdk-ep-3'), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('batchEndpoints and batchDeployments: create (LRO), list (paged), get, refusals as typed errors, delete (LRO)', async () => {
    for (const name of ['sdk-batch-1', 'sdk-batch-2', 'sdk-batch-3']) {
      const endpoint = await ml.batchEndpoints.beginCreateOrUpdateAndWait(rg, ws, name, { location: 'westeurope', properties: { authMode: 'AADToken' } });
      assert.equal(endpoint.properties.provisioningState, 'Succeeded');
      assert.match(endpoint.properties.scoringUri ?? '', new RegExp(`/batch/${name}/jobs$`));
    }
    assert.deepEqual((await all(ml.batchEndpoints.list(rg, ws))).map((e) => e.name).sort(), ['sdk-batch-1', 'sdk-batch-2', 'sdk-batch-3']);
    await assert.rejects(
      ml.batchEndpoints.beginCreateOrUpdateAndWait(rg, ws, 'sdk-batch-key', { location: 'westeurope', properties: { authMode: 'Key' } }),
      (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /only the AADToken auth mode/.test(String(e.message)),
    );
    const { clients } = emulatorClients(emulator);
    const registered = await clients
      .rest()
      .request<{ id: string }>('PUT', `${endpointPath(emulator, 'x').replace('/onlineEndpoints/x', '/models/sdk-batch-model/versions/1')}`, {
        operation: 'register',
        body: { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/sdk/model.json', modelType: 'MLFlowModel' } },
      });
    const deployment = await ml.batchDeployments.beginCreateOrUpdateAndWait(rg, ws, 'sdk-batch-1', 'mlflow', {
      location: 'westeurope',
      properties: { model: { referenceType: 'Id', assetId: registered.body.id }, compute: 'cpu-cluster', miniBatchSize: 5, outputAction: 'AppendRow' },
    });
    assert.equal(deployment.properties.provisioningState, 'Succeeded');
    assert.equal(deployment.properties.miniBatchSize, 5);
    assert.equal((await all(ml.batchDeployments.list(rg, ws, 'sdk-batch-1'))).length, 1);
    await assert.rejects(
      ml.batchDeployments.beginCreateOrUpdateAndWait(rg, ws, 'sdk-batch-1', 'k8s', {
        location: 'westeurope',
        properties: { model: { referenceType: 'Id', assetId: registered.body.id }, compute: 'aks-prod' },
      }),
      (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /compute clusters \(AmlCompute\)/.test(String(e.message)),
    );
    await ml.batchEndpoints.beginDeleteAndWait(rg, ws, 'sdk-batch-3');
    await assert.rejects(ml.batchEndpoints.get(rg, ws, 'sdk-batch-3'), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('containerGroups: create (LRO), get, listByResourceGroup (paged), container logs, delete (LRO)', async () => {
    const spec = {
      location: 'westeurope',
      osType: 'Linux',
      containers: [
        {
          name: 'hello',
          image: 'mcr.microsoft.com/azuredocs/aci-helloworld:latest',
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
          ports: [{ port: 80 }],
        },
      ],
      ipAddress: { type: 'Public', ports: [{ port: 80, protocol: 'TCP' }] },
    };
    for (const name of ['sdk-group-1', 'sdk-group-2', 'sdk-group-3']) {
      const group = await aci.containerGroups.beginCreateOrUpdateAndWait(rg, name, spec);
      assert.equal(group.provisioningState, 'Succeeded');
    }
    assert.equal((await aci.containerGroups.get(rg, 'sdk-group-1')).containers[0].image, spec.containers[0].image);
    const groups = await all(aci.containerGroups.listByResourceGroup(rg));
    assert.deepEqual(groups.map((g) => g.name).sort(), ['sdk-group-1', 'sdk-group-2', 'sdk-group-3']);
    const logs = await aci.containers.listLogs(rg, 'sdk-group-1', 'hello', { tail: 5 });
    assert.equal(typeof logs.content, 'string');
    await aci.containerGroups.beginDeleteAndWait(rg, 'sdk-group-3');
    await assert.rejects(aci.containerGroups.get(rg, 'sdk-group-3'), (e: { statusCode?: number }) => e.statusCode === 404);
    await assert.rejects(
      aci.containerGroups.beginCreateOrUpdateAndWait(rg, 'sdk-unpullable', {
        ...spec,
        containers: [{ ...spec.containers[0], image: 'contoso.azurecr.io/private:1' }],
      }),
      (e: { code?: string }) => e.code === 'InaccessibleImage',
    );
  });
});
