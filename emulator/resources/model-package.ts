import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseUrl, locationHeaders, workspaceOf, WS } from '../kit/arm';
import { fail, route, type EmulatorRequest, type EmulatorResponse } from '../kit/http';
import { assetById, type EmulatorState, type ModelVersionRecord, type Workspace } from '../kit/state';
import { storeAsset } from './assets';
import { registryAssetKey } from '../kit/aml-registry';
import type { ResourceFamily } from './family';
import { modelById, modelFiles, mountedModel, versionsOf } from './models';

/**
 * The model package operation (POST .../versions/{v}/package): the model files, extra inputs and scoring code
 * laid out as the image would hold them, recorded under the image name a container group or deployment runs.
 */
function readableFiles(state: EmulatorState, ws: Workspace, model: ModelVersionRecord, mounted = false): string {
  const uri = String(model.resource.properties.modelUri);
  const dir = mounted ? mountedModel(state, ws, uri) : modelFiles(state, ws, uri);
  if (!dir || !fs.existsSync(dir))
    fail(400, 'UserError', `The files of model '${model.name}:${model.version}' (${model.resource.properties.modelUri}) could not be read.`);
  return dir;
}

/**
 * The image's file system, under a folder of its own: the model at `modelConfiguration.mountPath` and each
 * `inputs[]` entry (a model by PathId or PathVersion, a datastore file or folder by Url) at its `mountPath`. Returns the folder AZUREML_MODEL_DIR points at.
 */
function packageFiles(state: EmulatorState, ws: Workspace, model: ModelVersionRecord, body: Record<string, any>): string {
  const root = path.join(state.jobsRoot, '..', 'packages', randomUUID());
  const place = (source: string, mountPath: string, field: string) => {
    if (!/^\/[\w./-]*$/.test(mountPath) || mountPath.split('/').includes('..'))
      fail(400, 'UserError', `${field} '${mountPath}' must be an absolute path.`, field);
    fs.cpSync(source, path.join(root, mountPath), { recursive: true });
  };
  const modelMount = String(body.modelConfiguration?.mountPath ?? '/var/azureml-app/azureml-models');
  // The package's model keeps its folder name under AZUREML_MODEL_DIR, as a deployment's does; extra inputs land at their mountPath as they are.
  place(readableFiles(state, ws, model, true), modelMount, 'modelConfiguration.mountPath');
  const inputs = (Array.isArray(body.inputs) ? body.inputs : []) as Record<string, any>[];
  inputs.forEach((input, i) => {
    const field = `inputs[${i}]`;
    const p = input.path ?? {};
    if (!['UriFolder', 'UriFile'].includes(input.inputType)) fail(400, 'UserError', `${field}.inputType must be UriFolder or UriFile.`, `${field}.inputType`);
    const mountPath = String(input.mountPath ?? '');
    if (p.inputPathType === 'Url') {
      // A file or folder in a datastore (azureml://datastores/<name>/paths/<path>).
      const dir = modelFiles(state, ws, String(p.url ?? ''));
      if (!dir) fail(400, 'UserError', `${field}.path.url '${p.url}' names nothing in a datastore.`, `${field}.path.url`);
      const only = fs.readdirSync(dir);
      place(input.inputType === 'UriFile' && only.length === 1 ? path.join(dir, only[0]) : dir, mountPath, `${field}.mountPath`);
      return;
    }
    const member =
      p.inputPathType === 'PathId'
        ? modelById(state, String(p.resourceId ?? ''))
        : p.inputPathType === 'PathVersion'
          ? versionsOf(state, ws, String(p.resourceName ?? '')).find((v) => v.version === String(p.resourceVersion))
          : undefined;
    if (!['PathId', 'PathVersion'].includes(p.inputPathType))
      fail(400, 'UserError', `${field}.path.inputPathType '${p.inputPathType}' is not one of PathId, PathVersion, Url.`, `${field}.path`);
    if (!member) fail(400, 'UserError', `${field}: model '${p.resourceId ?? `${p.resourceName}:${p.resourceVersion}`}' was not found.`, `${field}.path`);
    place(readableFiles(state, ws, member), mountPath, `${field}.mountPath`);
  });
  return path.join(root, modelMount);
}

/** The checks and the build shared by the workspace and registry package operations; 202 with Location. */
function buildPackage(
  state: EmulatorState,
  req: EmulatorRequest,
  ws: Workspace,
  model: ModelVersionRecord,
  target: { name: string; version?: string },
): EmulatorResponse {
  const body = (req.body ?? {}) as Record<string, any>;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(target.name))
    fail(400, 'UserError', 'The target environment name is required and must be a valid asset name.', 'targetEnvironmentName');
  const base = String(body.baseEnvironmentSource?.resourceId ?? '');
  if (!assetById(state, base)) fail(400, 'UserError', `Base environment '${base}' was not found.`, 'baseEnvironmentSource.resourceId');
  const server = body.inferencingServer ?? {};
  if (server.serverType !== 'AzureMLOnline')
    fail(
      400,
      'UserError',
      `inferencingServer.serverType '${server.serverType}' is not supported by the emulator; use AzureMLOnline.`,
      'inferencingServer.serverType',
    );
  const codeId = String(server.codeConfiguration?.codeId ?? '');
  if (!assetById(state, codeId)) fail(400, 'UserError', `Code '${codeId}' was not found.`, 'inferencingServer.codeConfiguration.codeId');
  const modelDir = packageFiles(state, ws, model, body);
  const existing = [...state.assets.values()].filter((a) => a.kind === 'environments' && a.workspace === ws && a.name === target.name);
  const version = target.version ?? String(Math.max(0, ...existing.map((a) => Number(a.version) || 0)) + 1);
  const image = `emuacr.azurecr.io/${target.name.toLowerCase()}:${version}`;
  const env = storeAsset(state, ws, 'environments', target.name, version, {
    image,
    description: `Model package of ${model.name}:${model.version}`,
    tags: body.tags ?? {},
  });
  state.packages.set(image, {
    modelDir,
    codeId,
    scoringScript: String(server.codeConfiguration?.scoringScript ?? 'score.py'),
    environmentVariables: body.environmentVariables ?? {},
  });
  const opId = state.startOperation({
    outcome: 'Succeeded',
    result: {
      ...body,
      targetEnvironmentId: env.id,
      buildId: randomUUID(),
      buildState: 'Succeeded',
      logUrl: `${baseUrl(req)}/packagelogs/${target.name}/${version}`,
    },
    complete: () => undefined,
  });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId) };
}

/**
 * POST .../models/{name}/versions/{version}/package: builds an inference image (model copied in, scoring code,
 * base environment) as a new environment version; 202 with Location, the result naming the environment.
 */
function packageModel(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const model = versionsOf(state, ws, req.params.name).find((v) => v.version === req.params.version);
  if (!model) fail(404, 'UserError', `Model '${req.params.name}' version '${req.params.version}' was not found in workspace '${ws.name}'.`);
  const body = (req.body ?? {}) as Record<string, any>;
  const version = body.targetEnvironmentVersion === undefined ? undefined : String(body.targetEnvironmentVersion);
  return buildPackage(state, req, ws, model, { name: String(body.targetEnvironmentName ?? ''), version });
}

/**
 * POST .../registries/{r}/models/{name}/versions/{version}/package (RegistryModelVersions_Package): a registry
 * model built into the workspace environment `targetEnvironmentId` names.
 */
function packageRegistryModel(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const { registry, name, version } = req.params;
  const asset = state.registryAssets.get(registryAssetKey(registry, 'models', name, version));
  if (!asset) fail(404, 'ResourceNotFound', `Model '${name}' version '${version}' was not found in registry '${registry}'.`);
  const body = (req.body ?? {}) as Record<string, any>;
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/environments\/([^/]+)\/versions\/([^/]+)$/i.exec(
      String(body.targetEnvironmentId ?? ''),
    );
  const ws = m ? state.findWorkspace(m[1], m[2], m[3]) : undefined;
  if (!m || !ws) fail(400, 'UserError', 'targetEnvironmentId must be the id of an environment version in a workspace.', 'targetEnvironmentId');
  const model: ModelVersionRecord = { workspace: ws, name, version, created: 0, resource: asset.resource };
  return buildPackage(state, req, ws, model, { name: m[4], version: m[5] });
}

/** Model containers and versions: tag filters, ordering, $top, paging and archive flags; model package. */

export const modelPackages: ResourceFamily = {
  name: 'model packages',
  routes: ({ state }) => [
    route('POST', `${WS}/models/{name}/versions/{version}/package`, (req) => packageModel(state, req)),
    route(
      'POST',
      '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/registries/{registry}/models/{name}/versions/{version}/package',
      (req) => packageRegistryModel(state, req),
    ),
  ],
};
