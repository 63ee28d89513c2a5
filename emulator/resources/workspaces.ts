import { randomUUID } from 'node:crypto';
import { baseUrl, page, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type Route } from '../kit/http';
import { WORKSPACE_REGISTRY } from '../kit/registries';
import { STORAGE_ACCOUNT } from './blob-storage';
import { workspaceId, type EmulatorState } from '../kit/state';
import type { ResourceFamily } from './family';

/** The workspace (its MLflow URI points at the emulator) and its computes. */
function workspaceRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', WS, (req) => {
      const ws = workspaceOf(state, req);
      return json(200, {
        id: workspaceId(ws),
        name: ws.name,
        type: 'Microsoft.MachineLearningServices/workspaces',
        location: ws.location,
        identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: state.tenantId },
        properties: {
          friendlyName: ws.name,
          discoveryUrl: `${baseUrl(req)}/discovery`,
          // The emulator's own host, so clients reach its MLflow routes (the service gives <region>.api.azureml.ms).
          mlFlowTrackingUri: `azureml://${req.headers.host}/mlflow/v1.0${workspaceId(ws)}`,
          provisioningState: 'Succeeded',
          publicNetworkAccess: 'Enabled',
          containerRegistry: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${WORKSPACE_REGISTRY.split('.')[0]}`,
        },
      });
    }),
    // ListWorkspaceKeysResult: the storage key and the workspace registry's admin credentials.
    route('POST', `${WS}/listKeys`, (req) => {
      const ws = workspaceOf(state, req);
      const registry = state.registries.get(WORKSPACE_REGISTRY);
      return json(200, {
        userStorageKey: state.storageKey,
        userStorageResourceId: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${STORAGE_ACCOUNT}`,
        containerRegistryCredentials: {
          location: ws.location,
          username: registry?.username,
          passwords: registry?.password ? [{ name: 'password', value: registry.password }] : [],
        },
      });
    }),
    route('GET', `${WS}/computes/{compute}`, (req) => {
      workspaceOf(state, req);
      const c = state.computes.get(req.params.compute.toLowerCase());
      if (!c) fail(404, 'ResourceNotFound', `Compute '${req.params.compute}' was not found in the workspace.`, req.params.compute);
      return json(200, c.resource);
    }),
    route('GET', `${WS}/computes`, (req) => {
      workspaceOf(state, req);
      return page(
        req,
        [...state.computes.values()].map((c) => c.resource),
        state.pageSize,
      );
    }),
  ];
}

function seedComputes(state: EmulatorState): void {
  const ws = state.defaultWorkspace;
  const id = (name: string) => `${workspaceId(ws)}/computes/${name}`;
  state.computes.set('aks-prod', {
    name: 'aks-prod',
    resource: {
      id: id('aks-prod'),
      name: 'aks-prod',
      type: 'Microsoft.MachineLearningServices/workspaces/computes',
      location: ws.location,
      properties: {
        computeType: 'Kubernetes',
        isAttachedCompute: true,
        provisioningState: 'Succeeded',
        resourceId: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks-prod`,
        properties: {
          namespace: 'azureml',
          defaultInstanceType: 'defaultinstancetype',
          instanceTypes: { defaultinstancetype: { resources: { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '1', memory: '2Gi' } } } },
        },
      },
    },
  });
  state.computes.set('cpu-cluster', {
    name: 'cpu-cluster',
    resource: {
      id: id('cpu-cluster'),
      name: 'cpu-cluster',
      type: 'Microsoft.MachineLearningServices/workspaces/computes',
      location: ws.location,
      properties: { computeType: 'AmlCompute', provisioningState: 'Succeeded', properties: { vmSize: 'STANDARD_DS3_V2' } },
    },
  });
}

export const workspaces: ResourceFamily = { name: 'workspaces and computes', routes: ({ state }) => workspaceRoutes(state), seed: seedComputes };
