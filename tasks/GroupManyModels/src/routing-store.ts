import { readModelFile, registerFileModel, type FileModelStore } from './model-files';
import { listModelVersions } from '../../../shared/aml/models';
import { AzureError, errorMessage } from '../../../shared/errors';
import { sha256Hex } from '../../../shared/hash';
import { parseRoutingMap, type DeployedRoutingMap } from './routing-map';

export const ROUTING_FILE = 'routing-map.json';

export interface PreviousMap {
  map: DeployedRoutingMap;
  version: string;
  sha: string;
}

/** The routing map as its file holds it: byte-identical for the same map, so an unchanged rollout registers nothing. */
export function routingMapContent(map: DeployedRoutingMap): Buffer {
  return Buffer.from(`${JSON.stringify(map, null, 2)}\n`);
}

/** The latest version of the routing model, or nothing on a first deploy. An unreadable map stops the task. */
export async function loadRoutingMap(store: FileModelStore, name: string): Promise<PreviousMap | undefined> {
  const [latest] = await listModelVersions(store.clients, store.ws, name);
  if (!latest) return undefined;
  const text = (await readModelFile(store, latest, name, ROUTING_FILE)).toString('utf8');
  try {
    return {
      map: parseRoutingMap(text, `Model '${name}' version '${latest.name}'`),
      version: latest.name,
      sha: latest.properties.tags?.routingMapSha256 ?? sha256Hex(text),
    };
  } catch (err) {
    throw new AzureError(`${errorMessage(err)}; set routingModelName to a model of its own, or archive that version.`);
  }
}

/** Registers the map as a new version of the routing model unless it equals the latest one; the version, or nothing. */
export async function saveRoutingMap(
  store: FileModelStore,
  name: string,
  map: DeployedRoutingMap,
  previous: PreviousMap | undefined,
  tags: Record<string, string>,
): Promise<string | undefined> {
  const content = routingMapContent(map);
  const sha = sha256Hex(content);
  if (previous?.sha === sha || (!previous && !Object.keys(map.containers).length)) return undefined;
  const routedModels = Object.values(map.containers).reduce((n, c) => n + Object.keys(c.models).length, 0);
  const registered = await registerFileModel(store, name, ROUTING_FILE, content, {
    description: 'Routing map of GroupManyModels: which container serves each model, and its scoring URI (no keys).',
    tags: { ...tags, ModelType: '_meta_', routingMapSha256: sha, containers: String(Object.keys(map.containers).length), models: String(routedModels) },
  });
  return registered.name;
}
