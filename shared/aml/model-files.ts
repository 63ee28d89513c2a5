import { createHash } from 'node:crypto';
import type { ArmClients } from '../azure/arm-client';
import type { WorkspaceRef } from '../azure/connection';
import type { DataPlaneClient } from '../azure/data-plane';
import { DatastoreBlobs, parseDatastoreUri } from '../azure/datastore-blobs';
import { AzureError } from '../errors';
import { nextModelVersion, putModelVersion, type ModelVersion } from './models';

const DEFAULT_DATASTORE = 'workspaceblobstore';

export interface FileModelStore {
  clients: ArmClients;
  ws: WorkspaceRef;
  storage: DataPlaneClient;
  /** Masks the datastore key and SAS signatures before anything prints them. */
  mask: (secret: string) => void;
}

/**
 * Registers `content` as file `fileName` of a new version of model `name`, uploaded to the default datastore
 * under a content-addressed folder (the Azure ML SDK's LocalUpload layout), so an upload repeated after a
 * failure writes the same blob again.
 */
export async function registerFileModel(store: FileModelStore, name: string, fileName: string, content: Buffer, properties: Pick<ModelVersion['properties'], 'tags' | 'description'>): Promise<ModelVersion> {
  const blobs = await DatastoreBlobs.open(store.clients, store.ws, DEFAULT_DATASTORE, store.storage, store.mask);
  const folder = `LocalUpload/${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
  await blobs.put(`${folder}/${fileName}`, content);
  const version = await nextModelVersion(store.clients, store.ws, name);
  return putModelVersion(store.clients, store.ws, name, version, { modelType: 'CustomModel', modelUri: blobs.uri(folder), ...properties }, `Register model '${name}' version '${version}'`);
}

/** File `fileName` of a model version stored in a datastore (a folder URI, or the file's own URI). */
export async function readModelFile(store: FileModelStore, model: ModelVersion, modelName: string, fileName: string): Promise<Buffer> {
  const uri = String(model.properties.modelUri ?? '');
  const location = parseDatastoreUri(uri);
  if (!location) throw new AzureError(`Model '${modelName}' version '${model.name}' is stored at '${uri}', not in a datastore; it cannot be read.`);
  const blobs = await DatastoreBlobs.open(store.clients, store.ws, location.datastore, store.storage, store.mask);
  const path = location.path.replace(/\/+$/, '');
  return blobs.get(path.endsWith(`/${fileName}`) ? path : `${path}/${fileName}`);
}
