import { listLatestModels, type LatestModel, type ModelContainer } from '../../../shared/aml/models';
import type { WorkspaceRef } from '../../../shared/aml/workspace';
import type { ArmClients } from '../../../shared/azure/arm-client';
import { isNotFound } from '../../../shared/azure/arm-error';
import { sha256Hex } from '../../../shared/hash';
import { DEFAULT_DATASTORE, type FileModelStore } from './model-files';

/**
 * What the last run's listing found, kept in the workspace's default datastore beside the routing model: for each
 * model container, its newest version then and the newest version carrying the tag filter (with its id and tags).
 * A model whose container still names the same newest version is not read again.
 */
export interface ModelIndex {
  schemaVersion: 1;
  filter: string;
  models: Record<string, { latest: string; match?: { version: string; id: string; tags: Record<string, string> } }>;
}

export interface Listing {
  models: LatestModel[];
  index: ModelIndex;
  /** Models whose versions were read (new, changed, or the whole workspace on a first run). */
  read: number;
  /** Models taken from the index. */
  reused: number;
}

const indexPath = (routingModel: string) => `many-models/${routingModel}/model-index.json`;

export function indexContent(index: ModelIndex): Buffer {
  return Buffer.from(`${JSON.stringify(index)}\n`);
}

/** The previous run's index, or nothing (a first run, or an index that does not parse: then every model is read). */
export async function loadModelIndex(store: FileModelStore, routingModel: string): Promise<{ index: ModelIndex; sha: string } | undefined> {
  try {
    const blobs = await store.open(DEFAULT_DATASTORE);
    const text = await blobs.get(indexPath(routingModel));
    const index = JSON.parse(text.toString('utf8')) as ModelIndex;
    return index.schemaVersion === 1 && index.models && typeof index.models === 'object' ? { index, sha: sha256Hex(text) } : undefined;
  } catch (err) {
    if (isNotFound(err) || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export async function saveModelIndex(store: FileModelStore, routingModel: string, index: ModelIndex, previousSha: string | undefined): Promise<boolean> {
  const content = indexContent(index);
  if (sha256Hex(content) === previousSha) return false;
  await (await store.open(DEFAULT_DATASTORE)).put(indexPath(routingModel), content);
  return true;
}

/**
 * The newest version carrying `filter` of each container: from the index where the container's newest version is
 * the one the index saw (with the same filter), read from Azure ML otherwise (one call per model).
 */
export async function listWithIndex(
  clients: ArmClients,
  ws: WorkspaceRef,
  containers: ModelContainer[],
  filter: string,
  previous: ModelIndex | undefined,
  concurrency: number,
): Promise<Listing> {
  const known = previous?.filter === filter ? previous.models : {};
  const stale = containers.filter((c) => !c.latestVersion || known[c.name]?.latest !== c.latestVersion);
  const fresh = await listLatestModels(
    clients,
    ws,
    stale.map((c) => c.name),
    { tags: filter || undefined, concurrency },
  );
  const freshByName = new Map(fresh.map((m) => [m.name, m]));
  const index: ModelIndex = { schemaVersion: 1, filter, models: {} };
  const models: LatestModel[] = [];
  for (const c of containers) {
    const reuse = c.latestVersion && known[c.name]?.latest === c.latestVersion;
    const found = reuse ? known[c.name].match : freshByName.get(c.name);
    const match = found ? { version: found.version, id: found.id, tags: found.tags } : undefined;
    if (c.latestVersion) index.models[c.name] = { latest: c.latestVersion, ...(match ? { match } : {}) };
    if (match) models.push({ name: c.name, version: match.version, id: match.id, tags: match.tags });
  }
  return { models, index, read: stale.length, reused: containers.length - stale.length };
}
