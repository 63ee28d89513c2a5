import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from '../azure/connection';
import { endpointPath } from '../aml/online-endpoints';
import { sendAndWait } from '../azure/lro';
import type { Clock } from '../clock';
import { InputError, TaskError, errorMessage } from '../errors';
import { DeploymentFailedError } from './container-instance';

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

export function getDeploymentResource(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string): Promise<{ sku?: unknown; properties: Record<string, unknown> } | undefined> {
  return clients.rest().tryGet(deploymentPath(ws, endpoint, name), `Get deployment '${name}' of '${endpoint}'`);
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

/** The endpoint as it is, or created (empty traffic) in `location` (the workspace's region) when it does not exist yet. */
export async function ensureEndpoint(clients: ArmClients, ws: WorkspaceRef, spec: { name: string; location: string; authMode: 'key' | 'aml_token'; computeId?: string; tags: Record<string, string> }, wait: WaitOptions): Promise<{ endpoint: EndpointResource; created: boolean }> {
  const existing = await getEndpointResource(clients, ws, spec.name);
  if (existing) return { endpoint: existing, created: false };
  const properties = { authMode: spec.authMode === 'key' ? 'Key' : 'AMLToken', compute: spec.computeId, traffic: {} };
  const endpoint = await putEndpoint(clients, ws, { name: spec.name, location: spec.location, tags: spec.tags, properties }, wait, `Create online endpoint '${spec.name}'`);
  return { endpoint, created: true };
}

/**
 * Creates or updates one deployment (Azure ML rolls an update out in place) and gives it all of the endpoint's
 * traffic. A failure carries the last lines of the deployment's logs.
 */
export async function deployWithFullTraffic(clients: ArmClients, ws: WorkspaceRef, endpoint: string, deployment: string, body: unknown, wait: WaitOptions): Promise<{ scoringUri: string }> {
  try {
    await putDeployment(clients, ws, endpoint, deployment, body, wait);
    const current = await getEndpointResource(clients, ws, endpoint);
    const traffic = current?.properties.traffic ?? {};
    if (traffic[deployment] !== 100) await setTraffic(clients, ws, endpoint, { ...Object.fromEntries(Object.keys(traffic).map((d) => [d, 0])), [deployment]: 100 }, wait);
    const scoringUri = (await getEndpointResource(clients, ws, endpoint))?.properties.scoringUri;
    if (!scoringUri) throw new Error(`online endpoint '${endpoint}' has no scoring URI`);
    return { scoringUri };
  } catch (err) {
    const logs = await deploymentLogs(clients, ws, endpoint, deployment);
    throw new DeploymentFailedError(err instanceof TaskError ? err.message : `Deploying '${deployment}' on endpoint '${endpoint}' failed: ${errorMessage(err)}`, logs);
  }
}

export async function deleteEndpoint(clients: ArmClients, ws: WorkspaceRef, name: string, wait: WaitOptions): Promise<void> {
  await sendAndWait(clients.rest(), 'DELETE', endpointPath(ws, name), undefined, { operation: `Delete online endpoint '${name}'`, deadlineMs: wait.deadlineMs, clock: wait.clock, onProgress: wait.progress });
}

/** The id of an attached Kubernetes compute (AKS or Arc); the error names the `computeName` input. */
export async function kubernetesComputeId(clients: ArmClients, ws: WorkspaceRef, computeName: string): Promise<string> {
  const path = `${workspacePath(ws)}/computes/${encodeURIComponent(computeName)}`;
  const compute = await clients.rest().tryGet<{ id?: string; properties: { computeType?: string } }>(path, `Get compute '${computeName}'`);
  if (!compute) throw new InputError('computeName', `compute '${computeName}' does not exist in workspace '${ws.workspace}'; attach the AKS or Arc cluster as Kubernetes compute first.`);
  if (compute.properties.computeType !== 'Kubernetes') {
    throw new InputError('computeName', `compute '${computeName}' is of type ${compute.properties.computeType}, not Kubernetes; attach the cluster as Kubernetes compute, or deploy to a managed online endpoint instead.`);
  }
  return compute.id ?? path;
}
