import { registryAssetKey } from '../kit/aml-registry';
import { locationHeaders, page, systemData, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import type { AmlRegistry, EmulatorState, RegistryAssetVersion } from '../kit/state';
import type { ResourceFamily } from './family';
import { modelById, mountedModel } from './models';

const REG = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/registries/{registry}';

/** The registry the emulator starts with: the team's shared registry, replicated to the workspaces' region. */
export const SEEDED_REGISTRY = 'mlops-registry';

function registryOf(state: EmulatorState, req: EmulatorRequest): AmlRegistry {
  const reg = state.amlRegistries.get(req.params.registry.toLowerCase());
  if (!reg || reg.resourceGroup.toLowerCase() !== req.params.rg.toLowerCase())
    fail(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.MachineLearningServices/registries/${req.params.registry}' under resource group '${req.params.rg}' was not found.`,
    );
  return reg;
}

function registryResource(reg: AmlRegistry): Record<string, unknown> {
  return {
    id: `/subscriptions/${reg.subscriptionId}/resourceGroups/${reg.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${reg.name}`,
    name: reg.name,
    type: 'Microsoft.MachineLearningServices/registries',
    location: reg.regions[0],
    properties: {
      discoveryUrl: `https://${reg.regions[0]}.api.azureml.ms/registrymanagement/v1.0/registries/${reg.name}/discovery`,
      regionDetails: reg.regions.map((location) => ({ location, acrDetails: [], storageAccountDetails: [] })),
      publicNetworkAccess: 'Enabled',
    },
  };
}

function modelVersions(state: EmulatorState, registry: string, name: string): RegistryAssetVersion[] {
  return [...state.registryAssets.values()].filter((a) => a.registry === registry.toLowerCase() && a.type === 'models' && a.name === name);
}

/**
 * POST .../models/{n}/versions/{v}/publish (DestinationAsset): the service checks the body, the source version and
 * the registry, answers 202 with Location + Retry-After, and the copy appears in the registry when it ends. A
 * destination version that exists already is a conflict: a registry version is never overwritten.
 */
function publishModel(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const body = (req.body ?? {}) as Record<string, unknown>;
  for (const key of ['registryName', 'destinationName', 'destinationVersion'])
    if (typeof body[key] !== 'string' || !body[key]) fail(400, 'UserError', `${key} is required in the publish request (DestinationAsset).`, key);
  const [registryName, destinationName, destinationVersion] = [body.registryName, body.destinationName, body.destinationVersion] as string[];
  const sourceId = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}/models/${req.params.name}/versions/${req.params.version}`;
  const source = modelById(state, sourceId);
  if (!source) fail(404, 'ResourceNotFound', `Model '${req.params.name}' version '${req.params.version}' was not found in workspace '${ws.name}'.`);
  const reg = state.amlRegistries.get(registryName.toLowerCase());
  if (!reg) fail(404, 'ResourceNotFound', `Registry '${registryName}' was not found, or the caller cannot write to it.`, 'registryName');
  const key = registryAssetKey(reg.name, 'models', destinationName, destinationVersion);
  if (state.registryAssets.has(key))
    fail(
      409,
      'Conflict',
      `Model '${destinationName}' version '${destinationVersion}' already exists in registry '${reg.name}'; registry versions cannot be overwritten.`,
      'destinationVersion',
    );
  const files = mountedModel(state, ws, String(source.resource.properties.modelUri ?? ''));
  if (!files) fail(400, 'UserError', `The files of model '${req.params.name}' version '${req.params.version}' could not be read.`);
  const uri = `azureml://registries/${reg.name}/models/${destinationName}/versions/${destinationVersion}`;
  const opId = state.startOperation({
    outcome: 'Succeeded',
    resource: `registries/${reg.name}/models/${destinationName}`.toLowerCase(),
    complete: () => {
      // The registry's own copy, laid out as a deployment mounts it, so it serves after the workspace's is gone.
      state.blobs.putFolder(files, `registries/${reg.name.toLowerCase()}/models/${destinationName}/versions/${destinationVersion}/`);
      const { description, tags, properties, modelType, flavors } = source.resource.properties;
      state.registryAssets.set(key, {
        registry: reg.name.toLowerCase(),
        type: 'models',
        name: destinationName,
        version: destinationVersion,
        resource: {
          id: `/subscriptions/${reg.subscriptionId}/resourceGroups/${reg.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${reg.name}/models/${destinationName}/versions/${destinationVersion}`,
          name: destinationVersion,
          type: 'Microsoft.MachineLearningServices/registries/models/versions',
          systemData: systemData(),
          properties: { description, tags, properties, modelType, flavors, modelUri: uri, isArchived: false, provisioningState: 'Succeeded' },
        },
      });
    },
  });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId) };
}

function registryRoutes(state: EmulatorState): Route[] {
  const version = (req: EmulatorRequest) => {
    const reg = registryOf(state, req);
    const found = state.registryAssets.get(registryAssetKey(reg.name, 'models', req.params.name, req.params.version));
    if (!found) fail(404, 'ResourceNotFound', `Model '${req.params.name}' version '${req.params.version}' was not found in registry '${reg.name}'.`);
    return found;
  };
  return [
    route('GET', '/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/registries', (req) =>
      page(req, [...state.amlRegistries.values()].filter((r) => r.subscriptionId === req.params.sub).map(registryResource), state.pageSize),
    ),
    route('GET', REG, (req) => json(200, registryResource(registryOf(state, req)))),
    route('GET', `${REG}/models/{name}/versions/{version}`, (req) => json(200, version(req).resource)),
    route('GET', `${REG}/models/{name}/versions`, (req) => {
      const reg = registryOf(state, req);
      return page(
        req,
        modelVersions(state, reg.name, req.params.name).map((a) => a.resource),
        state.pageSize,
      );
    }),
    route('POST', `${WS}/models/{name}/versions/{version}/publish`, (req) => publishModel(state, req)),
  ];
}

function seedRegistry(state: EmulatorState): void {
  const ws = state.defaultWorkspace;
  state.amlRegistries.set(SEEDED_REGISTRY, {
    subscriptionId: ws.subscriptionId,
    resourceGroup: ws.resourceGroup,
    name: SEEDED_REGISTRY,
    regions: [ws.location, 'northeurope'],
  });
}

export const amlRegistries: ResourceFamily = { name: 'Azure ML registries', routes: ({ state }) => registryRoutes(state), seed: seedRegistry };
