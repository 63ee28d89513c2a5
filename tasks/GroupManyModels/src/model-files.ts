import { sha256Hex } from '../../../shared/hash';
import { type WorkspaceRef } from '../../../shared/aml/workspace';
import type { ArmClients } from '../../../shared/azure/arm-client';
import type { DataPlaneClient } from '../../../shared/azure/data-plane';
import { DatastoreBlobs, parseDatastoreUri } from '../../../shared/aml/datastore-blobs';
import { AzureError } from '../../../shared/errors';
import { nextModelVersion, putModelVersion, type ModelVersion } from '../../../shared/aml/models';

export const DEFAULT_DATASTORE = 'workspaceblobstore';

export interface FileModelStore {
  clients: ArmClients;
  ws: WorkspaceRef;
  /** A datastore's blobs; its key is read once per datastore and masked. */
  open(datastore: string): Promise<DatastoreBlobs>;
}

/** Model files through `storage`, with `mask` hiding datastore keys and SAS signatures before anything prints them. */
export function fileModelStore(clients: ArmClients, ws: WorkspaceRef, storage: DataPlaneClient, mask: (secret: string) => void): FileModelStore {
  const opened = new Map<string, Promise<DatastoreBlobs>>();
  return {
    clients,
    ws,
    open: (datastore) => {
      let blobs = opened.get(datastore);
      if (!blobs) opened.set(datastore, (blobs = DatastoreBlobs.open(clients, ws, datastore, storage, mask)));
      return blobs;
    },
  };
}

/**
 * Registers `content` as file `fileName` of a new version of model `name`, uploaded to the default datastore
 * under a content-addressed folder (the Azure ML SDK's LocalUpload layout), so an upload repeated after a
 * failure writes the same blob again.
 */
export async function registerFileModel(
  store: FileModelStore,
  name: string,
  fileName: string,
  content: Buffer,
  properties: Pick<ModelVersion['properties'], 'tags' | 'description'>,
): Promise<ModelVersion> {
  const blobs = await store.open(DEFAULT_DATASTORE);
  const folder = `LocalUpload/${sha256Hex(content).slice(0, 32)}`;
  await blobs.put(`${folder}/${fileName}`, content);
  const version = await nextModelVersion(store.clients, store.ws, name);
  return putModelVersion(
    store.clients,
    store.ws,
    name,
    version,
    { modelType: 'CustomModel', modelUri: blobs.uri(folder), ...properties },
    `Register model '${name}' version '${version}'`,
  );
}

/** File `fileName` of a model version stored in a datastore (a folder URI, or the file's own URI). */
export async function readModelFile(store: FileModelStore, model: ModelVersion, modelName: string, fileName: string): Promise<Buffer> {
  const uri = String(model.properties.modelUri ?? '');
  const location = parseDatastoreUri(uri);
  if (!location) throw new AzureError(`Model '${modelName}' version '${model.name}' is stored at '${uri}', not in a datastore; it cannot be read.`);
  const blobs = await store.open(location.datastore);
  const path = location.path.replace(/\/+$/, '');
  return blobs.get(path.endsWith(`/${fileName}`) ? path : `${path}/${fileName}`);
}
