import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseUrl, locationHeaders, workspaceOf, WS } from '../kit/arm';
import { fail, route, type EmulatorRequest, type EmulatorResponse } from '../kit/http';
import { assetById, type EmulatorState, type ModelVersionRecord, type Workspace } from '../kit/state';
import { storeAsset } from './assets';
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

/**
 * POST .../models/{name}/versions/{version}/package: builds an inference image (model copied in, scoring code,
 * base environment) as a new environment version; 202 with Location, the result naming the environment.
 */
function packageModel(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const model = versionsOf(state, ws, req.params.name).find((v) => v.version === req.params.version);
  if (!model) fail(404, 'UserError', `Model '${req.params.name}' version '${req.params.version}' was not found in workspace '${ws.name}'.`);
  const body = (req.body ?? {}) as Record<string, any>;
  const target = String(body.targetEnvironmentName ?? '');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(target))
    fail(400, 'UserError', 'targetEnvironmentName is required and must be a valid asset name.', 'targetEnvironmentName');
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
  const existing = [...state.assets.values()].filter((a) => a.kind === 'environments' && a.workspace === ws && a.name === target);
  const version = String(body.targetEnvironmentVersion ?? Math.max(0, ...existing.map((a) => Number(a.version) || 0)) + 1);
  const image = `emuacr.azurecr.io/${target.toLowerCase()}:${version}`;
  const env = storeAsset(state, ws, 'environments', target, version, {
    image,
    description: `Model package of ${req.params.name}:${req.params.version}`,
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
      logUrl: `${baseUrl(req)}/packagelogs/${target}/${version}`,
    },
    complete: () => undefined,
  });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId) };
}

/** Model containers and versions: tag filters, ordering, $top, paging and archive flags; model package. */

export const modelPackages: ResourceFamily = {
  name: 'model packages',
  routes: ({ state }) => [route('POST', `${WS}/models/{name}/versions/{version}/package`, (req) => packageModel(state, req))],
};
