import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from './workspace';
import { isNotFound } from '../azure/arm-error';
import { mapWithLimit } from '../concurrency';

/** The model types of the YAML and the task inputs, with the REST API's names for them. */
export const MODEL_TYPES = { custom_model: 'CustomModel', mlflow_model: 'MLFlowModel', triton_model: 'TritonModel' } as const;
export type ModelType = keyof typeof MODEL_TYPES;

export interface ModelVersion {
  id: string;
  name: string;
  properties: {
    modelUri?: string;
    modelType?: string;
    jobName?: string;
    tags?: Record<string, string>;
    description?: string | null;
    isArchived?: boolean;
    [k: string]: unknown;
  };
}

export function modelVersionPath(ws: WorkspaceRef, name: string, version: string): string {
  return `${workspacePath(ws)}/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

/** Versions of a model, newest first, optionally only those carrying `tags` (Azure ML's `key=value,key` filter). */
export async function listModelVersions(clients: ArmClients, ws: WorkspaceRef, name: string, tags?: string): Promise<ModelVersion[]> {
  const query = `$orderBy=${encodeURIComponent('createdtime desc')}${tags ? `&tags=${encodeURIComponent(tags)}` : ''}`;
  try {
    return await clients
      .rest()
      .list<ModelVersion>(`${workspacePath(ws)}/models/${encodeURIComponent(name)}/versions?${query}`, `List versions of model '${name}'`);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The version Azure ML would assign next: one more than the highest numeric version. */
export async function nextModelVersion(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const container = await clients
    .rest()
    .tryGet<{ properties?: { nextVersion?: string } }>(`${workspacePath(ws)}/models/${encodeURIComponent(name)}`, `Get model '${name}'`);
  if (container?.properties?.nextVersion) return container.properties.nextVersion;
  const numbers = (await listModelVersions(clients, ws, name)).map((v) => Number(v.name)).filter(Number.isInteger);
  return String(Math.max(0, ...numbers) + 1);
}

export async function putModelVersion(
  clients: ArmClients,
  ws: WorkspaceRef,
  name: string,
  version: string,
  properties: ModelVersion['properties'],
  operation: string,
): Promise<ModelVersion> {
  const res = await clients.rest().request<ModelVersion>('PUT', modelVersionPath(ws, name, version), { operation, body: { properties } });
  return res.body;
}

export interface LatestModel {
  name: string;
  version: string;
  id: string;
  tags: Record<string, string>;
}

/** The names of the workspace's active models. */
export interface ModelContainer {
  name: string;
  /** The container's newest version (ModelContainer.latestVersion), when the service gives it. */
  latestVersion?: string;
}

/** The workspace's active model containers, paged: one call per page, each container with its newest version. */
export async function listModelContainers(clients: ArmClients, ws: WorkspaceRef): Promise<ModelContainer[]> {
  const containers = await clients
    .rest()
    .list<{ name: string; properties?: { latestVersion?: string | null } }>(
      `${workspacePath(ws)}/models?listViewType=ActiveOnly`,
      'List the models of the workspace',
    );
  return containers.map((c) => ({ name: c.name, latestVersion: c.properties?.latestVersion ?? undefined }));
}

/**
 * The newest active version of each named model that carries `tags` (Azure ML's `key=value,key` filter), one
 * list call per model, at most `concurrency` at a time; models without such a version are left out.
 */
export async function listLatestModels(
  clients: ArmClients,
  ws: WorkspaceRef,
  names: string[],
  options: { tags?: string; concurrency: number },
): Promise<LatestModel[]> {
  const query = `$orderBy=${encodeURIComponent('createdtime desc')}&$top=1&listViewType=ActiveOnly${options.tags ? `&tags=${encodeURIComponent(options.tags)}` : ''}`;
  const latest = await mapWithLimit(names, options.concurrency, async (name) => {
    const page = await clients.rest().request<{ value?: ModelVersion[] }>('GET', `${workspacePath(ws)}/models/${encodeURIComponent(name)}/versions?${query}`, {
      operation: `Get the latest version of model '${name}'`,
    });
    const v = page.body.value?.[0];
    return v ? { name, version: v.name, id: v.id, tags: v.properties.tags ?? {} } : undefined;
  });
  return latest.filter((m): m is LatestModel => m !== undefined);
}
