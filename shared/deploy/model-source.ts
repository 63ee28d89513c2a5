import { sha256Hex } from '../hash';
import { type WorkspaceRef } from '../aml/workspace';
import type { AssetRef } from '../aml/asset-refs';
import { ensureAssetVersion, existingVersionId, latestVersionId, type AssetKind } from '../aml/assets';
import type { DatastoreBlobs } from '../aml/datastore-blobs';
import { uploadLocal } from '../aml/local-upload';
import type { EnvironmentSpec } from '../yaml/aml-yaml';
import { ensureCodeAsset, snapshotFolder } from '../aml/code-upload';
import { listModelVersions, modelVersionPath, type ModelVersion } from '../aml/models';
import { registryPath, type RegistryRef } from '../aml/registries';
import { type ArmClients } from '../azure/arm-client';
import type { DataPlaneClient } from '../azure/data-plane';
import { lroOptions, sendAndWait, type Wait } from '../azure/lro';
import { AzureError, InputError } from '../errors';

/** A model version by name and version, or the newest version carrying `tag` when the version is empty. */
export async function resolveModel(
  clients: ArmClients,
  ws: WorkspaceRef,
  name: string,
  version: string | undefined,
  tag: { key: string; value: string },
): Promise<ModelVersion> {
  if (version) {
    const found = await clients.rest().tryGet<ModelVersion>(modelVersionPath(ws, name, version), `Get model '${name}' version '${version}'`);
    if (found) return found;
    const [latest] = await listModelVersions(clients, ws, name);
    if (!latest) throw new InputError('modelName', `model '${name}' does not exist in workspace '${ws.workspace}'.`);
    throw new InputError('modelVersion', `model '${name}' has no version '${version}' in workspace '${ws.workspace}' (the latest is ${latest.name}).`);
  }
  const [tagged] = await listModelVersions(clients, ws, name, `${tag.key}=${tag.value}`);
  if (tagged) return tagged;
  if (!(await listModelVersions(clients, ws, name)).length) throw new InputError('modelName', `model '${name}' does not exist in workspace '${ws.workspace}'.`);
  throw new InputError(
    'modelVersion',
    `is empty and no version of model '${name}' carries ${tag.key}=${tag.value}; set modelVersion or promote a version first.`,
  );
}

export type { EnvironmentSpec };

/** An environment id a deployment can carry: a checked workspace reference, a registry URI, or one registered now. */
export async function resolveEnvironment(
  clients: ArmClients,
  ws: WorkspaceRef,
  spec: EnvironmentSpec,
  name: string,
  tags: Record<string, string>,
  blobs?: () => Promise<DatastoreBlobs>,
): Promise<string> {
  if (spec.kind === 'ref') return referencedAssetId(clients, ws, spec.ref);
  const build =
    spec.build && blobs ? { contextUri: (await uploadLocal(await blobs(), spec.build.dir, false)).url, dockerfilePath: spec.build.dockerfilePath } : undefined;
  if (spec.build && !build) throw new AzureError('An environment with a build context needs the default datastore to upload it to.');
  // Named by content, so an unchanged environment is found, not registered again (image + conda as before 1.4).
  const extra = build || spec.inferenceConfig ? `\n${JSON.stringify({ build, inferenceConfig: spec.inferenceConfig })}` : '';
  const version = spec.version ?? sha256Hex(`${spec.image ?? ''}\n${spec.condaFile ?? ''}${extra}`).slice(0, 16);
  const properties = {
    image: spec.image,
    condaFile: spec.condaFile,
    build,
    inferenceConfig: spec.inferenceConfig,
    osType: spec.osType,
    description: spec.description,
    tags,
  };
  // An input-given image has no name of its own; the caller's name stands in.
  const r = await ensureAssetVersion(clients, ws, 'environments', spec.name || name, version, properties, spec.image ? 'image' : 'build', false);
  return r.id;
}

/** The id of a referenced asset: a workspace version checked to exist, or a registry URI (the service resolves it). */
export async function referencedAssetId(clients: ArmClients, ws: WorkspaceRef, ref: AssetRef): Promise<string> {
  const kind = ref.type as AssetKind;
  switch (ref.kind) {
    case 'workspace':
      return existingVersionId(clients, ws, kind, ref.name, ref.version);
    case 'workspaceLatest':
      return latestVersionId(clients, ws, kind, ref.name);
    case 'armId':
      if (!(await clients.rest().tryGet(ref.id, `Get ${ref.id}`))) throw new AzureError(`'${ref.id}' was not found.`);
      return ref.id;
    default:
      return ref.uri;
  }
}

export async function uploadScoringCode(
  clients: ArmClients,
  ws: WorkspaceRef,
  codePath: string,
  storage: DataPlaneClient,
): Promise<{ id: string; hash: string }> {
  const snapshot = snapshotFolder(codePath);
  const asset = await ensureCodeAsset(clients, ws, snapshot, storage, false);
  return { id: asset.id, hash: snapshot.hash };
}

/** A model package request; its wait bounds the package build. */
export interface PackageRequest extends Wait {
  model: ModelVersion;
  modelName: string;
  environmentId: string;
  codeId: string;
  codeHash: string;
  scoringScript: string;
  /** More registered models in the same image, each at `/var/azureml-app/azureml-models/<name>/<version>`. */
  members?: { name: string; version: string; id: string }[];
  /** Datastore files mounted beside the models, by file name (`azureml://datastores/...` URIs). */
  files?: Record<string, string>;
  environmentVariables?: Record<string, string>;
  /** The environment that holds the image; `<modelName>-package` by default. */
  targetName?: string;
  /** A registry model's registry: the registry packages it into the workspace's target environment. */
  registry?: RegistryRef;
}

export const MODELS_MOUNT = '/var/azureml-app/azureml-models';

/**
 * Azure ML model package (model copied into an image with the scoring code on the AzureML inference server).
 * The target environment version is derived from its inputs, so an unchanged package is built once.
 */
export async function packageModel(
  clients: ArmClients,
  ws: WorkspaceRef,
  req: PackageRequest,
): Promise<{ image: string; environmentId: string; built: boolean }> {
  const target = req.targetName ?? `${req.modelName}-package`;
  const members = req.members ?? [];
  const environmentVariables = req.environmentVariables ?? {};
  const files = Object.entries(req.files ?? {});
  const inputs = [
    ...members.map((m) => ({
      inputType: 'UriFolder',
      mode: 'Download',
      path: { inputPathType: 'PathId', resourceId: m.id },
      mountPath: `${MODELS_MOUNT}/${m.name}/${m.version}`,
    })),
    ...files.map(([name, url]) => ({ inputType: 'UriFile', mode: 'Download', path: { inputPathType: 'Url', url }, mountPath: `${MODELS_MOUNT}/${name}` })),
  ];
  // Named by everything that goes into the image, so an unchanged package is found instead of built again.
  const fingerprint = [
    req.environmentId,
    req.codeHash,
    req.scoringScript,
    ...members.map((m) => m.id),
    ...files.map(([n, u]) => `${n}=${u}`),
    JSON.stringify(environmentVariables),
  ].join('\n');
  const targetVersion = `${req.model.name}-${sha256Hex(fingerprint).slice(0, 12)}`;
  const rest = clients.rest();
  const envPath = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspace}/environments/${target}/versions/${targetVersion}`;
  const existing = await rest.tryGet<{ id: string; properties: { image?: string } }>(envPath, `Get environment '${target}' version '${targetVersion}'`);
  if (existing?.properties.image) return { image: existing.properties.image, environmentId: existing.id, built: false };
  // A registry's package operation names the target environment by id (RegistryModelVersions_Package).
  const targetEnv = req.registry ? { targetEnvironmentId: envPath } : { targetEnvironmentName: target, targetEnvironmentVersion: targetVersion };
  const body = {
    ...targetEnv,
    baseEnvironmentSource: { baseEnvironmentSourceType: 'EnvironmentAsset', resourceId: req.environmentId },
    inferencingServer: { serverType: 'AzureMLOnline', codeConfiguration: { codeId: req.codeId, scoringScript: req.scoringScript } },
    modelConfiguration: { mode: 'Copy', mountPath: MODELS_MOUNT },
    environmentVariables,
    inputs,
    tags: { model: `${req.modelName}:${req.model.name}` },
  };
  const result = await sendAndWait<{ targetEnvironmentId?: string; buildState?: string }>(
    rest,
    'POST',
    `${req.registry ? `${registryPath(req.registry)}/models/${encodeURIComponent(req.modelName)}/versions/${encodeURIComponent(req.model.name)}` : modelVersionPath(ws, req.modelName, req.model.name)}/package`,
    body,
    {
      ...lroOptions(`Package model '${req.modelName}' version '${req.model.name}'`, req),
    },
  );
  const environmentId = result.body?.targetEnvironmentId;
  if (!environmentId)
    throw new AzureError(
      `The package of model '${req.modelName}' version '${req.model.name}' returned no environment (build state ${result.body?.buildState ?? 'unknown'}).`,
    );
  const env = await rest.request<{ properties: { image?: string } }>('GET', environmentId, { operation: 'Get the packaged environment' });
  if (!env.body.properties.image) throw new AzureError(`The packaged environment '${environmentId}' has no image.`);
  return { image: env.body.properties.image, environmentId, built: true };
}
