import { randomUUID } from 'node:crypto';
import { page, systemData, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { unresolvedReference, WORKSPACE_CURATED } from '../kit/aml-registry';
import { workspaceId, type AssetKind, type EmulatorState, type Workspace } from '../kit/state';
import { sasUrl, STORAGE_ACCOUNT } from './blob-storage';
import type { ResourceFamily } from './family';

const ASSET_TYPE: Record<AssetKind, string> = {
  codes: 'Microsoft.MachineLearningServices/workspaces/codes/versions',
  environments: 'Microsoft.MachineLearningServices/workspaces/environments/versions',
  components: 'Microsoft.MachineLearningServices/workspaces/components/versions',
};

export function assetKey(ws: Workspace, kind: AssetKind, name: string, version: string): string {
  return `${workspaceId(ws)}/${kind}/${name}/versions/${version}`.toLowerCase();
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
const COMPONENT_NAME = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,254}$/;

function putAsset(state: EmulatorState, kind: AssetKind, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const { name, version } = req.params;
  // Component names may also start with an underscore (the CLI's component name rule); other assets may not.
  if (!(kind === 'components' ? COMPONENT_NAME : NAME).test(name))
    fail(
      400,
      'UserError',
      `The name '${name}' is invalid: use letters, digits, '-', '_' and '.', starting with a letter or digit${kind === 'components' ? ' (or _)' : ''}.`,
      'name',
    );
  const body = (req.body ?? {}) as { properties?: Record<string, any> };
  // environmentType is read-only: the service sets 'UserCreated' on every environment a client writes.
  const { environmentType: _readOnly, ...props } = body.properties ?? {};
  const key = assetKey(ws, kind, name, version);
  const existing = state.assets.get(key);
  if (kind === 'codes' && !props.codeUri) fail(400, 'UserError', 'properties.codeUri is required.', 'properties.codeUri');
  if (kind === 'components' && !props.componentSpec) fail(400, 'UserError', 'properties.componentSpec is required.', 'properties.componentSpec');
  if (kind === 'environments' && !props.image && !props.build)
    fail(400, 'UserError', 'An environment needs properties.image or properties.build.', 'properties.image');
  if (kind === 'components') {
    for (const [what, ref] of componentReferences(props.componentSpec)) {
      const why = unresolvedReference(state, ref, what);
      if (why) fail(400, 'UserError', why, 'properties.componentSpec');
    }
  }
  if (existing) {
    // Asset versions are immutable: only tags, description and the archive flag may change.
    const immutable = kind === 'codes' ? 'codeUri' : kind === 'components' ? 'componentSpec' : 'image';
    if (JSON.stringify(existing.resource.properties[immutable]) !== JSON.stringify(props[immutable])) {
      fail(409, 'Conflict', `${kind.slice(0, -1)} '${name}' version '${version}' already exists with a different ${immutable}; asset versions are immutable.`);
    }
  }
  return json(existing ? 200 : 201, storeAsset(state, ws, kind, name, version, props));
}

/**
 * The assets a componentSpec names: its environment and code (a parallel job's under task), and for a pipeline
 * component each job's component (a sweep's trial). The service resolves them when the component is created.
 */
function componentReferences(spec: Record<string, any>): [string, string][] {
  const refs: [string, string][] = [];
  const add = (what: string, value: unknown) => typeof value === 'string' && refs.push([what, value]);
  add('Environment', spec.environment ?? spec.task?.environment);
  add('Code', spec.code ?? spec.task?.code);
  for (const node of Object.values((spec.jobs ?? {}) as Record<string, any>)) {
    add('Component', node?.componentId);
    add('Component', node?.trial?.componentId);
  }
  return refs;
}

/** Stores an asset version as the service would return it. */
export function storeAsset(
  state: EmulatorState,
  ws: Workspace,
  kind: AssetKind,
  name: string,
  version: string,
  props: Record<string, any>,
): Record<string, any> {
  const key = assetKey(ws, kind, name, version);
  const resource = {
    id: `${workspaceId(ws)}/${kind}/${name}/versions/${version}`,
    name: version,
    type: ASSET_TYPE[kind],
    systemData: systemData(state.assets.get(key)?.resource.systemData),
    properties: {
      description: null,
      tags: {},
      properties: {},
      isArchived: false,
      isAnonymous: false,
      ...(kind === 'environments' ? { environmentType: 'UserCreated' } : {}),
      ...props,
    },
  };
  state.assets.set(key, { kind, workspace: ws, name, version, resource });
  return resource;
}

function getAsset(state: EmulatorState, kind: AssetKind, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const asset = state.assets.get(assetKey(ws, kind, req.params.name, req.params.version));
  if (!asset) fail(404, 'UserError', `${kind.slice(0, -1)} '${req.params.name}' version '${req.params.version}' was not found in workspace '${ws.name}'.`);
  return json(200, asset.resource);
}

function listVersions(state: EmulatorState, kind: AssetKind, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const view = (req.url.searchParams.get('listViewType') ?? 'ActiveOnly').toLowerCase();
  const items = [...state.assets.values()]
    .filter((a) => a.kind === kind && a.workspace === ws && a.name.toLowerCase() === req.params.name.toLowerCase())
    .filter((a) => view === 'all' || (view === 'archivedonly') === Boolean(a.resource.properties.isArchived))
    .sort((a, b) => String(b.resource.systemData.createdAt).localeCompare(String(a.resource.systemData.createdAt)))
    .map((a) => a.resource);
  return page(req, items, state.pageSize);
}

function versionRoutes(state: EmulatorState, kind: AssetKind): Route[] {
  return [
    route('PUT', `${WS}/${kind}/{name}/versions/{version}`, (req) => putAsset(state, kind, req)),
    route('GET', `${WS}/${kind}/{name}/versions/{version}`, (req) => getAsset(state, kind, req)),
    route('GET', `${WS}/${kind}/{name}/versions`, (req) => listVersions(state, kind, req)),
  ];
}

function datastoreResource(state: EmulatorState, ws: Workspace, req: EmulatorRequest): Record<string, unknown> {
  return {
    id: `${workspaceId(ws)}/datastores/workspaceblobstore`,
    name: 'workspaceblobstore',
    type: 'Microsoft.MachineLearningServices/workspaces/datastores',
    properties: {
      datastoreType: 'AzureBlob',
      accountName: STORAGE_ACCOUNT,
      containerName: state.blobContainer,
      // The emulator's host: clients address an IP or localhost endpoint path-style, as they do Azurite.
      endpoint: String(req.headers.host),
      protocol: 'https',
      credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey' } },
      isDefault: true,
      serviceDataAccessAuthIdentity: 'None',
    },
  };
}

/** Datastores, code/environment/component versions, and the pending-upload SAS for code. */
function assetRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', `${WS}/datastores/{name}`, (req) => {
      const ws = workspaceOf(state, req);
      if (req.params.name.toLowerCase() !== 'workspaceblobstore') fail(404, 'UserError', `Datastore '${req.params.name}' was not found.`);
      return json(200, datastoreResource(state, ws, req));
    }),
    route('GET', `${WS}/datastores`, (req) => page(req, [datastoreResource(state, workspaceOf(state, req), req)], state.pageSize)),
    route('POST', `${WS}/datastores/{name}/listSecrets`, () => json(200, { secretsType: 'AccountKey', key: state.storageKey })),
    route('POST', `${WS}/codes/{name}/versions/{version}/startPendingUpload`, (req) => {
      workspaceOf(state, req);
      const pendingUploadId = randomUUID();
      const blobPath = `LocalUpload/${pendingUploadId.replace(/-/g, '')}/${req.params.name}`;
      const sasUri = sasUrl(state, req, blobPath);
      return json(200, {
        blobReferenceForConsumption: {
          blobUri: sasUri.split('?')[0],
          storageAccountArmId: `/subscriptions/${req.params.sub}/resourceGroups/${req.params.rg}/providers/Microsoft.Storage/storageAccounts/${STORAGE_ACCOUNT}`,
          credential: { credentialType: 'SAS', sasUri },
        },
        pendingUploadId,
        pendingUploadType: 'TemporaryBlobReference',
      });
    }),
    ...versionRoutes(state, 'codes'),
    ...versionRoutes(state, 'environments'),
    ...versionRoutes(state, 'components'),
  ];
}

/** The curated environments every workspace lists (environmentType 'Curated', not user-writable in the service). */
function seedCurated(state: EmulatorState): void {
  for (const [name, newest] of Object.entries(WORKSPACE_CURATED)) {
    for (let version = 1; version <= newest; version++) {
      const resource = storeAsset(state, state.defaultWorkspace, 'environments', name, String(version), {
        image: `mcr.microsoft.com/azureml/curated/${name.replace(/^AzureML-/, '').toLowerCase()}:${version}`,
        environmentType: 'Curated',
      });
      // Published one after another, so the newest version is the latest.
      resource.systemData.createdAt = new Date(Date.UTC(2024, 0, version)).toISOString();
    }
  }
}

export const assets: ResourceFamily = { name: 'datastores and assets', routes: ({ state }) => assetRoutes(state), seed: seedCurated };
