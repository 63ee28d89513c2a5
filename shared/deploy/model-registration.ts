import type { DatastoreBlobs } from '../aml/datastore-blobs';
import { ensureAssetVersion } from '../aml/assets';
import { uploadLocal } from '../aml/local-upload';
import { listModelVersions, MODEL_TYPES, modelVersionPath, nextModelVersion, putModelVersion, type ModelVersion } from '../aml/models';
import type { WorkspaceRef } from '../aml/workspace';
import type { ArmClients } from '../azure/arm-client';
import { AzureError } from '../errors';
import { sha256Hex } from '../hash';
import type { ModelChoice } from './deployment-source';
import type { ModelSpec } from './deployment-yaml';
import { referencedAssetId, resolveModel } from './model-source';

/** The tag that carries a model's content hash, so an unchanged local model is found instead of registered again. */
export const CONTENT_TAG = 'azureml-mlops-tasks.content';

export interface ResolvedModel {
  /** The model's id as a deployment carries it (an ARM id or a registry URI). */
  id: string;
  name: string;
  version: string;
  type: string;
  outcome: 'referenced' | 'registered' | 'reused';
}

const lastPart = (id: string) => id.split('/').filter(Boolean);

/**
 * The model a deployment YAML names: a reference checked to exist, or a path registered as `az ml` registers it
 * (a local file or folder uploaded to `LocalUpload/<content hash>/` on the default datastore). Without a version,
 * a version carrying the same content hash is reused, else the next version is registered; with one, an existing
 * version with other content is an error, never an overwrite.
 */
export async function resolveModelSpec(
  clients: ArmClients,
  ws: WorkspaceRef,
  spec: ModelSpec,
  fallbackName: string,
  blobs: () => Promise<DatastoreBlobs>,
  tags: Record<string, string>,
): Promise<ResolvedModel> {
  if (spec.kind === 'ref') {
    const id = await referencedAssetId(clients, ws, spec.ref);
    const parts = lastPart(id);
    const model = id.startsWith('azureml://') ? undefined : await clients.rest().tryGet<ModelVersion>(id, `Get model ${id}`);
    return { id, name: parts[parts.length - 3], version: parts[parts.length - 1], type: String(model?.properties.modelType ?? ''), outcome: 'referenced' };
  }
  const upload = spec.local ? await uploadLocal(await blobs(), spec.path, false) : undefined;
  const modelUri = upload?.uri ?? spec.path;
  const hash = sha256Hex(modelUri).slice(0, 32);
  const name = spec.name ?? fallbackName;
  const modelType = MODEL_TYPES[spec.type];
  const properties = { modelUri, modelType, description: spec.description, tags: { ...tags, ...(spec.tags ?? {}), [CONTENT_TAG]: hash } };
  if (spec.version) {
    const r = await ensureAssetVersion(clients, ws, 'models', name, spec.version, properties, 'modelUri', false);
    return { id: r.id, name, version: spec.version, type: modelType, outcome: r.outcome === 'created' ? 'registered' : 'reused' };
  }
  const [same] = await listModelVersions(clients, ws, name, `${CONTENT_TAG}=${hash}`);
  if (same) return { id: same.id, name, version: same.name, type: String(same.properties.modelType ?? modelType), outcome: 'reused' };
  const version = await nextModelVersion(clients, ws, name);
  const created = await putModelVersion(clients, ws, name, version, properties, `Register model '${name}' version '${version}'`);
  if (!created?.id) throw new AzureError(`Registering model '${name}' version '${version}' returned no id (${modelVersionPath(ws, name, version)}).`);
  return { id: created.id, name, version, type: modelType, outcome: 'registered' };
}

/** The model a deploy task deploys: a registered one by name (version or production tag), or the deployment YAML's. */
export async function resolveModelChoice(
  clients: ArmClients,
  ws: WorkspaceRef,
  choice: ModelChoice,
  fallbackName: string,
  blobs: () => Promise<DatastoreBlobs>,
  tags: Record<string, string>,
): Promise<ResolvedModel> {
  if (choice.kind === 'file') return resolveModelSpec(clients, ws, choice.spec, fallbackName, blobs, tags);
  const found = await resolveModel(clients, ws, choice.name, choice.version, choice.tag);
  return { id: found.id, name: choice.name, version: found.name, type: String(found.properties.modelType ?? ''), outcome: 'referenced' };
}
