import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from '../azure/connection';
import { sendAndWait } from '../azure/lro';
import type { Clock } from '../clock';

export interface EndpointResource {
  id: string;
  name: string;
  location: string;
  kind?: string;
  identity?: unknown;
  tags?: Record<string, string>;
  properties: { authMode: string; compute?: string; traffic?: Record<string, number>; scoringUri?: string; description?: string; provisioningState?: string };
}

export interface WaitOptions {
  deadlineMs: number;
  clock: Clock;
  progress: (message: string) => void;
}

export function endpointPath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/onlineEndpoints/${encodeURIComponent(name)}`;
}

export function deploymentPath(ws: WorkspaceRef, endpoint: string, deployment: string): string {
  return `${endpointPath(ws, endpoint)}/deployments/${encodeURIComponent(deployment)}`;
}

export function getEndpointResource(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<EndpointResource | undefined> {
  return clients.rest().tryGet<EndpointResource>(endpointPath(ws, name), `Get online endpoint '${name}'`);
}

export async function putEndpoint(clients: ArmClients, ws: WorkspaceRef, endpoint: Omit<EndpointResource, 'id'>, wait: WaitOptions, operation: string): Promise<EndpointResource> {
  const body = { location: endpoint.location, kind: endpoint.kind, identity: endpoint.identity, tags: endpoint.tags, properties: { authMode: endpoint.properties.authMode, compute: endpoint.properties.compute, traffic: endpoint.properties.traffic ?? {}, description: endpoint.properties.description } };
  const res = await sendAndWait<EndpointResource>(clients.rest(), 'PUT', endpointPath(ws, endpoint.name), body, { operation, deadlineMs: wait.deadlineMs, clock: wait.clock, onProgress: wait.progress });
  return res.body;
}

/** Traffic changes only by PUT of the whole endpoint (PATCH takes tags and identity): read, change, put. */
export async function setTraffic(clients: ArmClients, ws: WorkspaceRef, name: string, traffic: Record<string, number>, wait: WaitOptions): Promise<void> {
  const current = await getEndpointResource(clients, ws, name);
  if (!current) throw new Error(`online endpoint '${name}' disappeared`);
  await putEndpoint(clients, ws, { ...current, properties: { ...current.properties, traffic } }, wait, `Set traffic of '${name}' to ${JSON.stringify(traffic)}`);
}

export async function putDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, body: unknown, wait: WaitOptions): Promise<void> {
  await sendAndWait(clients.rest(), 'PUT', deploymentPath(ws, endpoint, name), body, { operation: `Create deployment '${name}' on '${endpoint}'`, deadlineMs: wait.deadlineMs, clock: wait.clock, onProgress: wait.progress });
}

export async function deleteDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, wait: WaitOptions): Promise<void> {
  await sendAndWait(clients.rest(), 'DELETE', deploymentPath(ws, endpoint, name), undefined, { operation: `Delete deployment '${name}'`, deadlineMs: wait.deadlineMs, clock: wait.clock, onProgress: wait.progress });
}

/** The last lines of a deployment's inference-server logs; empty when they cannot be read. */
export async function deploymentLogs(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, tail = 50): Promise<string> {
  try {
    const res = await clients.rest().request<{ content?: string }>('POST', `${deploymentPath(ws, endpoint, name)}/getLogs`, { operation: `Get the logs of deployment '${name}'`, body: { containerType: 'InferenceServer', tail } });
    return res.body.content ?? '';
  } catch {
    return '';
  }
}
