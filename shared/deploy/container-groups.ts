import { ACI_API_VERSION, type ArmClients } from '../azure/arm-client';
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

export async function getContainerGroup(clients: ArmClients, ref: ContainerGroupRef): Promise<ContainerGroupInfo> {
  const response = await clients
    .rest(ACI_API_VERSION)
    .request<ContainerGroupResource>('GET', containerGroupPath(ref), { operation: `Get container group '${ref.name}' in resource group '${ref.resourceGroup}'` });
  const props = response.body.properties;
  const ip = props.ipAddress;
  const host = ip?.fqdn || ip?.ip;
  if (!host) throw new AzureError(`Container group '${ref.name}' has no public IP address or DNS name; a private group cannot be smoke-tested from the agent.`);
  const ports = (ip?.ports ?? []).filter((p) => (p.protocol ?? 'TCP').toUpperCase() === 'TCP').map((p) => p.port);
  const port = ports.includes(INFERENCE_PORT) ? INFERENCE_PORT : ports[0];
  if (!port) throw new AzureError(`Container group '${ref.name}' exposes no TCP port.`);
  return { id: response.body.id, host, port, state: props.instanceView?.state, provisioningState: props.provisioningState };
}
