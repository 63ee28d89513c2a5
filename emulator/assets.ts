import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from './http';
import { page, WS, workspaceOf, workspaceId, systemData, baseUrl } from './arm';
import { secretValue, type EmulatorState, type Workspace } from './state';

export const STORAGE_ACCOUNT = 'emustorage';

/** A versioned asset (code, environment, component) as stored: the ARM resource plus its kind. */
export interface AssetVersion {
  kind: AssetKind;
  workspace: Workspace;
  name: string;
  version: string;
  resource: Record<string, any>;
}

export type AssetKind = 'codes' | 'environments' | 'components';

const ASSET_TYPE: Record<AssetKind, string> = {
  codes: 'Microsoft.MachineLearningServices/workspaces/codes/versions',
  environments: 'Microsoft.MachineLearningServices/workspaces/environments/versions',
  components: 'Microsoft.MachineLearningServices/workspaces/components/versions',
};

export function assetKey(ws: Workspace, kind: AssetKind, name: string, version: string): string {
  return `${workspaceId(ws)}/${kind}/${name}/versions/${version}`.toLowerCase();
}

/** Finds an asset by its ARM id (`/subscriptions/.../components/x/versions/1`, optionally prefixed `azureml:`). */
export function assetById(state: EmulatorState, id: string): AssetVersion | undefined {
  return state.assets.get(id.replace(/^azureml:/i, '').toLowerCase());
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

function putAsset(state: EmulatorState, kind: AssetKind, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const { name, version } = req.params;
  if (!NAME.test(name)) fail(400, 'UserError', `The name '${name}' is invalid: use letters, digits, '-', '_' and '.', starting with a letter or digit.`, 'name');
  const body = (req.body ?? {}) as { properties?: Record<string, any> };
  const props = body.properties ?? {};
  const key = assetKey(ws, kind, name, version);
  const existing = state.assets.get(key);
  if (kind === 'codes' && !props.codeUri) fail(400, 'UserError', 'properties.codeUri is required.', 'properties.codeUri');
  if (kind === 'components' && !props.componentSpec) fail(400, 'UserError', 'properties.componentSpec is required.', 'properties.componentSpec');
  if (kind === 'environments' && !props.image && !props.build) fail(400, 'UserError', 'An environment needs properties.image or properties.build.', 'properties.image');
  if (existing) {
    // Asset versions are immutable: only tags, description and the archive flag may change.
    const immutable = kind === 'codes' ? 'codeUri' : kind === 'components' ? 'componentSpec' : 'image';
    if (JSON.stringify(existing.resource.properties[immutable]) !== JSON.stringify(props[immutable])) {
      fail(409, 'Conflict', `${kind.slice(0, -1)} '${name}' version '${version}' already exists with a different ${immutable}; asset versions are immutable.`);
    }
  }
  return json(existing ? 200 : 201, storeAsset(state, ws, kind, name, version, props));
}

/** Stores an asset version as the service would return it. */
export function storeAsset(state: EmulatorState, ws: Workspace, kind: AssetKind, name: string, version: string, props: Record<string, any>): Record<string, any> {
  const key = assetKey(ws, kind, name, version);
  const resource = {
    id: `${workspaceId(ws)}/${kind}/${name}/versions/${version}`,
    name: version,
    type: ASSET_TYPE[kind],
    systemData: systemData(state.assets.get(key)?.resource.systemData),
    properties: { description: null, tags: {}, properties: {}, isArchived: false, isAnonymous: false, ...props, ...(kind === 'environments' ? { environmentType: 'UserCreated' } : {}) },
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

/** A SAS URL on the emulator's blob store for `blobPath` in the workspace container. */
export function sasUrl(state: EmulatorState, req: EmulatorRequest, blobPath: string): string {
  const sig = secretValue('sig-');
  state.sasTokens.add(sig);
  return `${baseUrl(req)}/${STORAGE_ACCOUNT}/${state.blobContainer}/${blobPath}?sv=2021-08-06&sr=c&sp=racwl&se=2099-01-01T00%3A00%3A00Z&sig=${encodeURIComponent(sig)}`;
}

/** Datastores, code/environment/component versions, and the pending-upload SAS for code. */
export function assetRoutes(state: EmulatorState): Route[] {
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

const SAS_PERMISSION: Record<string, string> = { GET: 'r', HEAD: 'r', PUT: 'w' };

/**
 * A service SAS signed with the account key (what a client holding the datastore's key makes): the HMAC-SHA256
 * over the 16-line string-to-sign of versions 2020-12-06 and later must match, the token must not have expired,
 * and its permissions must cover the method.
 */
function keySignedSasAllows(state: EmulatorState, req: EmulatorRequest): boolean {
  const q = (k: string) => req.url.searchParams.get(k) ?? '';
  const rest = decodeURIComponent(req.path.slice(`/${STORAGE_ACCOUNT}/`.length));
  const [container, ...blob] = rest.split('/');
  const resource = q('sr') === 'b' ? `/blob/${STORAGE_ACCOUNT}/${container}/${blob.join('/')}` : `/blob/${STORAGE_ACCOUNT}/${container}`;
  const toSign = [q('sp'), q('st'), q('se'), resource, q('si'), q('sip'), q('spr'), q('sv'), q('sr'), q('sst'), q('ses'), q('rscc'), q('rscd'), q('rsce'), q('rscl'), q('rsct')].join('\n');
  const expected = createHmac('sha256', Buffer.from(state.storageKey, 'base64')).update(toSign, 'utf8').digest();
  const given = Buffer.from(q('sig'), 'base64');
  const wanted = req.url.searchParams.get('comp') === 'list' ? 'l' : SAS_PERMISSION[req.method] ?? '?';
  return given.length === expected.length && timingSafeEqual(given, expected) && Date.parse(q('se')) > Date.now() && q('sp').includes(wanted);
}

/**
 * The blob service of the emulated storage account, path-style as Azurite serves it:
 * `/<account>/<container>/<blob path>`. Put Blob (BlockBlob), Get/Head Blob and List Blobs, SAS-checked.
 */
export function blobHandler(state: EmulatorState, req: EmulatorRequest): EmulatorResponse | undefined {
  const prefix = `/${STORAGE_ACCOUNT}/`;
  if (!req.path.startsWith(prefix)) return undefined;
  const sig = req.url.searchParams.get('sig');
  if (!sig || !(state.sasTokens.has(sig) || keySignedSasAllows(state, req))) {
    return { status: 403, body: { code: 'AuthenticationFailed', message: 'Server failed to authenticate the request: the SAS signature is missing or unknown.' } };
  }
  const rest = decodeURIComponent(req.path.slice(prefix.length));
  const slash = rest.indexOf('/');
  const container = slash < 0 ? rest : rest.slice(0, slash);
  const blob = slash < 0 ? '' : rest.slice(slash + 1);
  if (container !== state.blobContainer) return { status: 404, body: { code: 'ContainerNotFound', message: `Container '${container}' does not exist.` } };
  if (req.method === 'GET' && !blob && req.url.searchParams.get('comp') === 'list') {
    const prefixFilter = req.url.searchParams.get('prefix') ?? '';
    const names = [...state.blobs.keys()].filter((n) => n.startsWith(prefixFilter)).sort();
    return { status: 200, body: { blobs: names.map((n) => ({ name: n, size: state.blobs.get(n)?.length })) } };
  }
  if (req.method === 'PUT') {
    state.blobs.set(blob, req.rawBuffer);
    return { status: 201, headers: { etag: `"${randomUUID()}"` } };
  }
  const data = state.blobs.get(blob);
  if (!data) return { status: 404, body: { code: 'BlobNotFound', message: `The blob '${blob}' does not exist.` } };
  if (req.method === 'HEAD') return { status: 200, headers: { 'content-length': String(data.length) } };
  if (req.method === 'GET') return { status: 200, raw: data };
  return { status: 405 };
}

/** Writes a code asset's files into `dir` (created, also when the asset is empty). */
export function writeCodeFolder(state: EmulatorState, codeUri: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, data] of codeFolderBlobs(state, codeUri)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  }
}

/** Blob paths of a code asset's folder, from its codeUri (https://<account>.../<container>/<folder>). */
export function codeFolderBlobs(state: EmulatorState, codeUri: string): Map<string, Buffer> {
  const folder = decodeURIComponent(new URL(codeUri).pathname).split('/').slice(3).join('/').replace(/\/$/, '');
  const files = new Map<string, Buffer>();
  for (const [name, data] of state.blobs) {
    if (name === folder || name.startsWith(`${folder}/`)) files.set(name.slice(folder.length + 1), data);
  }
  return files;
}
