import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from './workspace';
import { AzureError } from '../errors';

export type AssetKind = 'codes' | 'environments' | 'components' | 'models';

export interface AssetVersion {
  id: string;
  name: string;
  properties: Record<string, unknown>;
  systemData?: { createdAt?: string };
}

export function assetVersionPath(ws: WorkspaceRef, kind: AssetKind, name: string, version: string): string {
  return `${workspacePath(ws)}/${kind}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

const SINGULAR: Record<AssetKind, string> = { codes: 'code asset', environments: 'environment', components: 'component', models: 'model' };

/** Every version of an asset, newest first (all pages). */
export async function listAssetVersions(
  clients: ArmClients,
  ws: WorkspaceRef,
  kind: AssetKind,
  name: string,
  listViewType = 'ActiveOnly',
): Promise<AssetVersion[]> {
  const rest = clients.rest();
  const versions: AssetVersion[] = [];
  let next: string | undefined = `${workspacePath(ws)}/${kind}/${encodeURIComponent(name)}/versions?listViewType=${listViewType}`;
  while (next) {
    const page: { body: { value?: AssetVersion[]; nextLink?: string } } = await rest.request('GET', next, {
      operation: `List versions of ${SINGULAR[kind]} '${name}'`,
    });
    versions.push(...(page.body.value ?? []));
    next = page.body.nextLink;
  }
  return versions.sort((a, b) => String(b.systemData?.createdAt ?? '').localeCompare(String(a.systemData?.createdAt ?? '')));
}

/** The id of `name`'s newest version (`azureml:<name>@latest`). */
export async function latestVersionId(clients: ArmClients, ws: WorkspaceRef, kind: AssetKind, name: string): Promise<string> {
  const [latest] = await listAssetVersions(clients, ws, kind, name);
  if (!latest) throw new AzureError(`No version of ${SINGULAR[kind]} '${name}' exists in workspace '${ws.workspace}' (azureml:${name}@latest).`);
  return latest.id;
}

/** Checks that a referenced version exists and returns its id. */
export async function existingVersionId(clients: ArmClients, ws: WorkspaceRef, kind: AssetKind, name: string, version: string): Promise<string> {
  const path = assetVersionPath(ws, kind, name, version);
  const found = await clients.rest().tryGet<AssetVersion>(path, `Get ${SINGULAR[kind]} '${name}' version '${version}'`);
  if (!found)
    throw new AzureError(
      `${SINGULAR[kind][0].toUpperCase()}${SINGULAR[kind].slice(1)} '${name}' version '${version}' (azureml:${name}:${version}) does not exist in workspace '${ws.workspace}'.`,
    );
  return found.id ?? path;
}

export type EnsureOutcome = 'created' | 'exists' | 'wouldCreate';

/**
 * Registers a version unless it exists. Versions are immutable: an existing one with other content (compared on
 * `contentKey`) is a clear error asking for a new version, never an overwrite.
 */
export async function ensureAssetVersion(
  clients: ArmClients,
  ws: WorkspaceRef,
  kind: AssetKind,
  name: string,
  version: string,
  properties: Record<string, unknown>,
  contentKey: string,
  dryRun: boolean,
): Promise<{ id: string; outcome: EnsureOutcome }> {
  const rest = clients.rest();
  const path = assetVersionPath(ws, kind, name, version);
  const existing = await rest.tryGet<AssetVersion>(path, `Get ${SINGULAR[kind]} '${name}' version '${version}'`);
  if (existing) {
    if (JSON.stringify(existing.properties?.[contentKey]) !== JSON.stringify(properties[contentKey])) {
      throw new AzureError(
        `${SINGULAR[kind][0].toUpperCase()}${SINGULAR[kind].slice(1)} '${name}' version '${version}' already exists with different content; versions cannot change, so publish with a new version.`,
      );
    }
    return { id: existing.id ?? path, outcome: 'exists' };
  }
  if (dryRun) return { id: path, outcome: 'wouldCreate' };
  const created = await rest.request<AssetVersion>('PUT', path, {
    operation: `Register ${SINGULAR[kind]} '${name}' version '${version}'`,
    body: { properties },
  });
  return { id: created.body?.id ?? path, outcome: 'created' };
}
