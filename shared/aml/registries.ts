import type { ArmClients } from '../azure/arm-client';
import { lroOptions, sendAndWait, type Wait } from '../azure/lro';
import { AzureError } from '../errors';
import type { ModelVersion } from './models';
import { modelVersionPath } from './models';
import type { WorkspaceRef } from './workspace';

/** An Azure ML registry by its ARM coordinates (a registry lives in a resource group like a workspace). */
export interface RegistryRef {
  subscriptionId: string;
  resourceGroup: string;
  registry: string;
}

export interface RegistryResource {
  id: string;
  name: string;
  location: string;
  properties: { regionDetails?: { location: string }[] };
}

export function registryPath(reg: RegistryRef): string {
  return `/subscriptions/${reg.subscriptionId}/resourceGroups/${encodeURIComponent(reg.resourceGroup)}/providers/Microsoft.MachineLearningServices/registries/${encodeURIComponent(reg.registry)}`;
}

/** The reference a workspace's deployment or job uses for a registry model. */
export function registryModelUri(registry: string, name: string, version: string): string {
  return `azureml://registries/${registry}/models/${name}/versions/${version}`;
}

/** The registry `name` among those the connection sees in its subscription (a reference names no resource group). */
export async function findRegistry(clients: ArmClients, subscriptionId: string, name: string): Promise<RegistryRef | undefined> {
  const all = await clients
    .rest()
    .list<RegistryResource>(`/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/registries`, 'List the Azure ML registries');
  const found = all.find((r) => r.name.toLowerCase() === name.toLowerCase());
  const rg = found ? /\/resourceGroups\/([^/]+)\//i.exec(found.id)?.[1] : undefined;
  return found && rg ? { subscriptionId, resourceGroup: rg, registry: found.name } : undefined;
}

export function getRegistry(clients: ArmClients, reg: RegistryRef): Promise<RegistryResource | undefined> {
  return clients.rest().tryGet(registryPath(reg), `Get registry '${reg.registry}' in resource group '${reg.resourceGroup}'`);
}

/** The regions a registry replicates to: a workspace can use its assets only in one of them. */
export function registryRegions(registry: RegistryResource): string[] {
  return (registry.properties.regionDetails ?? []).map((r) => r.location.toLowerCase());
}

export function getRegistryModel(clients: ArmClients, reg: RegistryRef, name: string, version: string): Promise<ModelVersion | undefined> {
  const path = `${registryPath(reg)}/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
  return clients.rest().tryGet(path, `Get model '${name}' version '${version}' in registry '${reg.registry}'`);
}

/**
 * Shares a workspace model version into a registry (`POST .../publish` with a DestinationAsset), a long-running
 * operation answered 202 with Location; the registry copies the files, so the copy outlives the workspace's.
 */
export async function publishModel(
  clients: ArmClients,
  ws: WorkspaceRef,
  source: { name: string; version: string },
  destination: { registryName: string; destinationName: string; destinationVersion: string },
  wait: Wait,
): Promise<void> {
  const path = `${modelVersionPath(ws, source.name, source.version)}/publish`;
  const operation = `Share model '${source.name}' version '${source.version}' into registry '${destination.registryName}'`;
  await sendAndWait(clients.rest(), 'POST', path, destination, lroOptions(operation, wait));
}

const sameTags = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * Shares a model version into a registry unless that name and version are there already. The same version with
 * the same tags and type is the one shared before (re-runs converge); anything else there is a conflict (`conflict`
 * says so, naming the input to change), never an overwrite.
 */
export async function shareModelVersion(
  clients: ArmClients,
  ws: WorkspaceRef,
  source: { modelName: string; version: ModelVersion },
  reg: RegistryRef,
  destination: { name: string; version: string },
  wait: Wait,
  conflict: (message: string) => Error,
): Promise<{ uri: string; outcome: 'shared' | 'already there' }> {
  const uri = registryModelUri(reg.registry, destination.name, destination.version);
  const label = `${source.modelName} v${source.version.name}`;
  const existing = await getRegistryModel(clients, reg, destination.name, destination.version);
  if (existing) {
    if (!sameTags(existing.properties.tags, source.version.properties.tags) || existing.properties.modelType !== source.version.properties.modelType)
      throw conflict(
        `registry '${reg.registry}' already has model '${destination.name}' version '${destination.version}', with other tags or type than ${label}; registry versions are never overwritten`,
      );
    return { uri, outcome: 'already there' };
  }
  await publishModel(
    clients,
    ws,
    { name: source.modelName, version: source.version.name },
    { registryName: reg.registry, destinationName: destination.name, destinationVersion: destination.version },
    wait,
  ).catch(async (err: unknown) => {
    // A retried POST whose first attempt went through (its answer lost) meets its own copy: that is done, not a conflict.
    const there =
      (err as { details?: { status?: number } }).details?.status === 409
        ? await getRegistryModel(clients, reg, destination.name, destination.version)
        : undefined;
    if (!there || !sameTags(there.properties.tags, source.version.properties.tags)) throw err;
  });
  if (!(await getRegistryModel(clients, reg, destination.name, destination.version)))
    throw new AzureError(`Sharing ${label} into registry '${reg.registry}' finished, but ${uri} is not there.`);
  return { uri, outcome: 'shared' };
}
