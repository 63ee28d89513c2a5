import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { page, systemData, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { workspaceId, type EmulatorState, type ModelVersionRecord, type Workspace } from '../kit/state';
import type { ResourceFamily } from './family';

const MODEL_TYPES = ['CustomModel', 'MLFlowModel', 'TritonModel', 'custom_model', 'mlflow_model', 'triton_model'];
const MUTABLE = ['tags', 'description', 'isArchived', 'stage'];

const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

function modelKey(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/models/${name}`.toLowerCase();
}

export function versionsOf(state: EmulatorState, ws: Workspace, name: string): ModelVersionRecord[] {
  return state.modelVersions.get(modelKey(ws, name)) ?? [];
}

/** `tags=a=1,b` (Azure ML's filter): every listed tag present, with the value when one is given. */
function tagFilter(raw: string | null): (tags: Record<string, string>) => boolean {
  if (!raw) return () => true;
  const wanted = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t): [string, string | undefined] => (t.includes('=') ? [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] : [t, undefined]));
  return (tags) => wanted.every(([k, v]) => k in tags && (v === undefined || tags[k] === v));
}

function numeric(version: string): number {
  return /^\d+$/.test(version) ? Number(version) : -1;
}

function containerResource(state: EmulatorState, ws: Workspace, name: string): Record<string, unknown> {
  const versions = versionsOf(state, ws, name);
  const latest = [...versions].sort((a, b) => b.created - a.created)[0];
  const maxNumber = Math.max(0, ...versions.map((v) => numeric(v.version)));
  const own = state.modelContainers.get(modelKey(ws, name));
  return {
    id: `${workspaceId(ws)}/models/${own?.name ?? name}`,
    name: own?.name ?? name,
    type: 'Microsoft.MachineLearningServices/workspaces/models',
    systemData: own?.systemData ?? systemData(),
    properties: {
      description: own?.description ?? null,
      tags: own?.tags ?? {},
      properties: own?.properties ?? {},
      isArchived: own?.isArchived ?? false,
      latestVersion: latest?.version ?? null,
      nextVersion: String(maxNumber + 1),
      provisioningState: 'Succeeded',
    },
  };
}

const namesMemo = new WeakMap<Workspace, { size: number; names: string[] }>();

/** The workspace's model names, sorted; computed again only when a model is added (100,000 models page quickly). */
function containerNames(state: EmulatorState, ws: Workspace): string[] {
  const size = state.modelVersions.size + state.modelContainers.size;
  const memo = namesMemo.get(ws);
  if (memo?.size === size) return memo.names;
  const prefix = `${workspaceId(ws)}/models/`.toLowerCase();
  const names = [
    ...new Set([
      ...[...state.modelVersions.values()].filter((v) => v[0]?.workspace === ws).map((v) => v[0].name),
      ...[...state.modelContainers.entries()].filter(([k]) => k.startsWith(prefix)).map(([, c]) => c.name),
    ]),
  ].sort();
  namesMemo.set(ws, { size, names });
  return names;
}

/** Whether the workspace has model `name`: a container put on its own, or one made by registering a version. */
function containerExists(state: EmulatorState, ws: Workspace, name: string): boolean {
  return state.modelContainers.has(modelKey(ws, name)) || versionsOf(state, ws, name).length > 0;
}

/** PUT of a model container (ModelContainer: description, tags, properties, isArchived), as the SDKs send it first. */
function putModelContainer(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const { name } = req.params;
  if (!MODEL_NAME.test(name))
    fail(400, 'UserError', `Model name '${name}' is invalid: letters, digits, '-', '_' and '.', starting with a letter or digit.`, 'name');
  const props = (((req.body ?? {}) as { properties?: Record<string, any> }).properties ?? {}) as Record<string, any>;
  const existed = containerExists(state, ws, name);
  const previous = state.modelContainers.get(modelKey(ws, name));
  state.modelContainers.set(modelKey(ws, name), {
    name: previous?.name ?? name,
    description: props.description ?? null,
    tags: props.tags ?? {},
    properties: props.properties ?? {},
    isArchived: Boolean(props.isArchived),
    systemData: systemData(previous?.systemData),
  });
  return json(existed ? 200 : 201, containerResource(state, ws, name));
}

function resolveModelUri(state: EmulatorState, req: EmulatorRequest, uri: string): void {
  const m = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/?(.*))?$/.exec(uri);
  if (!m) return;
  const ws = workspaceOf(state, req);
  const job = state.jobs.get(`${workspaceId(ws)}/jobs/${m[1]}`.toLowerCase());
  if (!job) fail(400, 'UserError', `modelUri '${uri}': job '${m[1]}' was not found.`, 'properties.modelUri');
  if (!job.outputs[m[2]]) fail(400, 'UserError', `modelUri '${uri}': job '${m[1]}' has no output '${m[2]}'.`, 'properties.modelUri');
}

/**
 * The local folder holding a model version's files: a job output the emulator kept, or blobs under an
 * `azureml://datastores/<name>/paths/<folder>` URI, copied out of the blob store.
 */
export function modelFiles(state: EmulatorState, ws: Workspace, uri: string): string | undefined {
  const m = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)(?:\/paths\/?(.*))?$/.exec(uri);
  if (m) {
    const dir = state.jobs.get(`${workspaceId(ws)}/jobs/${m[1]}`.toLowerCase())?.outputs[m[2]];
    return dir && m[3] ? path.join(dir, m[3]) : dir;
  }
  const reg = /^azureml:\/\/registries\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(uri);
  const ds = reg
    ? [uri, `registries/${reg[1].toLowerCase()}/models/${reg[2]}/versions/${reg[3]}`]
    : /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/workspaceblobstore\/paths\/(.+?)\/?$/.exec(uri);
  if (!ds) return undefined;
  const prefix = decodeURIComponent(ds[1]);
  const names = state.blobs.has(prefix) ? [prefix] : state.blobs.under(prefix);
  const blobs = names.map((name): [string, Buffer] => [name, state.blobs.get(name) as Buffer]);
  if (!blobs.length) return undefined;
  const dir = path.join(state.jobsRoot, '..', 'datastore-files', randomUUID());
  for (const [name, data] of blobs) {
    const file = name === prefix ? path.join(dir, path.basename(name)) : path.join(dir, name.slice(prefix.length + 1));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  }
  return dir;
}

/**
 * The model's files as the container sees them at AZUREML_MODEL_DIR: a file model's file, or a folder model's
 * folder by its own name (Azure ML keeps the folder's name: `$AZUREML_MODEL_DIR/model/...`).
 */
export function mountedModel(state: EmulatorState, ws: Workspace, uri: string): string | undefined {
  const files = modelFiles(state, ws, uri);
  const prefix = /datastores\/[^/]+\/paths\/(.+?)\/?$/.exec(uri)?.[1];
  if (!files || !prefix || state.blobs.has(decodeURIComponent(prefix))) return files;
  const root = path.join(path.dirname(files), randomUUID());
  fs.mkdirSync(root, { recursive: true });
  fs.renameSync(files, path.join(root, path.basename(decodeURIComponent(prefix))));
  return root;
}

/** Stores a new model version (the caller has checked that it does not exist yet). */
export function addModelVersion(state: EmulatorState, ws: Workspace, name: string, version: string, props: Record<string, any>): ModelVersionRecord {
  const versions = versionsOf(state, ws, name);
  const record: ModelVersionRecord = {
    workspace: ws,
    name,
    version,
    created: Date.now() + versions.length / 1000,
    resource: {
      id: `${workspaceId(ws)}/models/${name}/versions/${version}`,
      name: version,
      type: 'Microsoft.MachineLearningServices/workspaces/models/versions',
      systemData: systemData(),
      properties: {
        description: null,
        tags: {},
        properties: {},
        isAnonymous: false,
        isArchived: false,
        modelType: 'CustomModel',
        flavors: {},
        stage: 'Development',
        ...props,
        provisioningState: 'Succeeded',
      },
    },
  };
  state.modelVersions.set(modelKey(ws, name), [...versions, record]);
  return record;
}

/** The next numeric version of a model (1 for a new one). */
export function nextModelVersion(state: EmulatorState, ws: Workspace, name: string): string {
  return String(Math.max(0, ...versionsOf(state, ws, name).map((v) => numeric(v.version))) + 1);
}

export function modelExists(state: EmulatorState, ws: Workspace, name: string): boolean {
  return versionsOf(state, ws, name).length > 0;
}

/** A model version by its ARM id (`PathId` package inputs). */
export function modelById(state: EmulatorState, id: string): ModelVersionRecord | undefined {
  const m = /^(.*\/models\/[^/]+)\/versions\/([^/]+)$/i.exec(id);
  return m ? state.modelVersions.get(m[1].toLowerCase())?.find((v) => v.version === m[2]) : undefined;
}

function modelRoutes(state: EmulatorState): Route[] {
  return [
    route('PUT', `${WS}/models/{name}/versions/{version}`, (req) => {
      const ws = workspaceOf(state, req);
      const { name, version } = req.params;
      if (!MODEL_NAME.test(name))
        fail(400, 'UserError', `Model name '${name}' is invalid: letters, digits, '-', '_' and '.', starting with a letter or digit.`, 'name');
      const props = (((req.body ?? {}) as { properties?: Record<string, any> }).properties ?? {}) as Record<string, any>;
      if (!props.modelUri) fail(400, 'UserError', 'properties.modelUri is required.', 'properties.modelUri');
      if (props.modelType && !MODEL_TYPES.includes(props.modelType))
        fail(400, 'UserError', `modelType '${props.modelType}' is not one of CustomModel, MLFlowModel, TritonModel.`, 'properties.modelType');
      const versions = versionsOf(state, ws, name);
      const existing = versions.find((v) => v.version === version);
      if (existing) {
        for (const [k, v] of Object.entries(props)) {
          if (!MUTABLE.includes(k) && JSON.stringify(existing.resource.properties[k]) !== JSON.stringify(v)) {
            fail(
              409,
              'UserError',
              `Model '${name}' version '${version}' already exists; only tags, description, stage and isArchived can change (not '${k}').`,
            );
          }
        }
        Object.assign(existing.resource.properties, Object.fromEntries(Object.entries(props).filter(([k]) => MUTABLE.includes(k))));
        existing.resource.systemData = systemData(existing.resource.systemData);
        return json(200, existing.resource);
      }
      resolveModelUri(state, req, String(props.modelUri));
      const record = addModelVersion(state, ws, name, version, props);
      return json(201, record.resource);
    }),
    route('GET', `${WS}/models/{name}/versions/{version}`, (req) => {
      const ws = workspaceOf(state, req);
      const found = versionsOf(state, ws, req.params.name).find((v) => v.version === req.params.version);
      if (!found) fail(404, 'UserError', `Model '${req.params.name}' version '${req.params.version}' was not found in workspace '${ws.name}'.`);
      return json(200, found.resource);
    }),
    route('GET', `${WS}/models/{name}/versions`, (req) => {
      const ws = workspaceOf(state, req);
      const q = req.url.searchParams;
      const view = (q.get('listViewType') ?? 'ActiveOnly').toLowerCase();
      const matchesTags = tagFilter(q.get('tags'));
      const order = (q.get('$orderBy') ?? 'createdtime desc').toLowerCase();
      let items = versionsOf(state, ws, req.params.name)
        .filter((v) => view === 'all' || (view === 'archivedonly') === Boolean(v.resource.properties.isArchived))
        .filter((v) => matchesTags(v.resource.properties.tags ?? {}))
        .filter((v) => !q.get('version') || v.version === q.get('version'));
      const direction = order.endsWith('asc') ? 1 : -1;
      items = items.sort((a, b) => direction * (order.startsWith('version') ? numeric(a.version) - numeric(b.version) : a.created - b.created));
      const top = Number(q.get('$top') ?? '0');
      if (top > 0) items = items.slice(0, top);
      return page(
        req,
        items.map((v) => v.resource),
        state.pageSize,
      );
    }),
    route('PUT', `${WS}/models/{name}`, (req) => putModelContainer(state, req)),
    route('GET', `${WS}/models/{name}`, (req) => {
      const ws = workspaceOf(state, req);
      if (!containerExists(state, ws, req.params.name)) fail(404, 'UserError', `Model '${req.params.name}' was not found in workspace '${ws.name}'.`);
      return json(200, containerResource(state, ws, req.params.name));
    }),
    route('GET', `${WS}/models`, (req) => {
      const ws = workspaceOf(state, req);
      return page(req, containerNames(state, ws), state.pageSize, (n) => containerResource(state, ws, n));
    }),
  ];
}

export const models: ResourceFamily = { name: 'models', routes: ({ state }) => modelRoutes(state) };
