import type { ArmClients } from '../azure/arm-client';
import { isNotFound } from '../azure/arm-error';
import { workspacePath, type WorkspaceRef } from '../azure/connection';

export interface ModelVersion {
  id: string;
  name: string;
  properties: { modelUri?: string; modelType?: string; jobName?: string; tags?: Record<string, string>; description?: string | null; isArchived?: boolean; [k: string]: unknown };
}

export function modelVersionPath(ws: WorkspaceRef, name: string, version: string): string {
  return `${workspacePath(ws)}/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

/** Versions of a model, newest first, optionally only those carrying `tags` (Azure ML's `key=value,key` filter). */
export async function listModelVersions(clients: ArmClients, ws: WorkspaceRef, name: string, tags?: string): Promise<ModelVersion[]> {
  const query = `$orderBy=${encodeURIComponent('createdtime desc')}${tags ? `&tags=${encodeURIComponent(tags)}` : ''}`;
  const versions: ModelVersion[] = [];
  let next: string | undefined = `${workspacePath(ws)}/models/${encodeURIComponent(name)}/versions?${query}`;
  try {
    while (next) {
      const page: { body: { value?: ModelVersion[]; nextLink?: string } } = await clients.rest().request('GET', next, { operation: `List versions of model '${name}'` });
      versions.push(...(page.body.value ?? []));
      next = page.body.nextLink;
    }
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return versions;
}

/** The version Azure ML would assign next: one more than the highest numeric version. */
export async function nextModelVersion(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const container = await clients.rest().tryGet<{ properties?: { nextVersion?: string } }>(`${workspacePath(ws)}/models/${encodeURIComponent(name)}`, `Get model '${name}'`);
  if (container?.properties?.nextVersion) return container.properties.nextVersion;
  const numbers = (await listModelVersions(clients, ws, name)).map((v) => Number(v.name)).filter(Number.isInteger);
  return String(Math.max(0, ...numbers) + 1);
}

export async function putModelVersion(clients: ArmClients, ws: WorkspaceRef, name: string, version: string, properties: ModelVersion['properties'], operation: string): Promise<ModelVersion> {
  const res = await clients.rest().request<ModelVersion>('PUT', modelVersionPath(ws, name, version), { operation, body: { properties } });
  return res.body;
}
