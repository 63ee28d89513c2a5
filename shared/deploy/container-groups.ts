import { ACI_API_VERSION, type ArmClients } from '../azure/arm-client';
import { lroOptions, sendAndWait, type Wait } from '../azure/lro';
import { AzureError } from '../errors';

export interface ContainerGroupRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface ContainerGroupInfo {
  id: string;
  /** DNS name, or the IP address when the group has no DNS label. */
  host: string;
  port: number;
  state?: string;
  provisioningState?: string;
}

interface ContainerGroupResource {
  id: string;
  properties: {
    containers?: { name: string; properties: { image?: string; resources?: unknown; environmentVariables?: { name: string; value?: string | null }[] } }[];
    provisioningState?: string;
    instanceView?: { state?: string };
    ipAddress?: { ip?: string; fqdn?: string; ports?: { port: number; protocol?: string }[] };
  };
}

/** The inference server's port: 5001 is the Azure ML inference server's, else the group's first TCP port. */
const INFERENCE_PORT = 5001;

export function containerGroupPath(ref: ContainerGroupRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}/providers/Microsoft.ContainerInstance/containerGroups/${encodeURIComponent(ref.name)}`;
}

function groupInfo(resource: ContainerGroupResource, name: string): ContainerGroupInfo {
  const props = resource.properties;
  const ip = props.ipAddress;
  const host = ip?.fqdn || ip?.ip;
  if (!host) throw new AzureError(`Container group '${name}' has no public IP address or DNS name; a private group cannot be smoke-tested from the agent.`);
  const ports = (ip?.ports ?? []).filter((p) => (p.protocol ?? 'TCP').toUpperCase() === 'TCP').map((p) => p.port);
  const port = ports.includes(INFERENCE_PORT) ? INFERENCE_PORT : ports[0];
  if (!port) throw new AzureError(`Container group '${name}' exposes no TCP port.`);
  return { id: resource.id, host, port, state: props.instanceView?.state, provisioningState: props.provisioningState };
}

export async function getContainerGroup(clients: ArmClients, ref: ContainerGroupRef): Promise<ContainerGroupInfo> {
  const response = await clients.rest(ACI_API_VERSION).request<ContainerGroupResource>('GET', containerGroupPath(ref), {
    operation: `Get container group '${ref.name}' in resource group '${ref.resourceGroup}'`,
  });
  return groupInfo(response.body, ref.name);
}

/** The group and its first container's definition, or nothing when it does not exist or has no address to reach. */
export async function findContainerGroup(
  clients: ArmClients,
  ref: ContainerGroupRef,
): Promise<{ info: ContainerGroupInfo; container?: NonNullable<ContainerGroupResource['properties']['containers']>[number]['properties'] } | undefined> {
  const resource = await clients.rest(ACI_API_VERSION).tryGet<ContainerGroupResource>(containerGroupPath(ref), `Get container group '${ref.name}'`);
  if (!resource) return undefined;
  try {
    return { info: groupInfo(resource, ref.name), container: resource.properties.containers?.[0]?.properties };
  } catch {
    return undefined;
  }
}

/** ACI's naming rule for container groups and DNS labels: 1-63 lowercase letters, digits and single hyphens. */
export const CONTAINER_GROUP_NAME = /^[a-z0-9](?:[a-z0-9]|-(?!-)){0,61}[a-z0-9]$|^[a-z0-9]$/;

export async function containerGroupExists(clients: ArmClients, ref: ContainerGroupRef): Promise<boolean> {
  return (await clients.rest(ACI_API_VERSION).tryGet(containerGroupPath(ref), `Get container group '${ref.name}'`)) !== undefined;
}

/** Creates or updates a container group and waits for ARM to finish provisioning it. */
export async function putContainerGroup(clients: ArmClients, ref: ContainerGroupRef, body: unknown, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(ACI_API_VERSION), 'PUT', containerGroupPath(ref), body, lroOptions(`Create or update container group '${ref.name}'`, wait));
}

/** The last `tail` lines of a container's logs, for failure reports; empty when they cannot be read. */
export async function containerLogs(clients: ArmClients, ref: ContainerGroupRef, container: string, tail = 50): Promise<string> {
  try {
    const res = await clients
      .rest(ACI_API_VERSION)
      .request<{ content?: string }>('GET', `${containerGroupPath(ref)}/containers/${encodeURIComponent(container)}/logs?tail=${tail}`, {
        operation: `Read the logs of container '${container}'`,
      });
    return res.body.content ?? '';
  } catch {
    return '';
  }
}

/** Deletes a container group (gone already counts as deleted). */
export async function deleteContainerGroup(clients: ArmClients, ref: ContainerGroupRef, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(ACI_API_VERSION), 'DELETE', containerGroupPath(ref), undefined, lroOptions(`Delete container group '${ref.name}'`, wait));
}
