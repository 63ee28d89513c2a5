import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from '../azure/connection';
import { endpointPath } from '../aml/online-endpoints';
import { sendAndWait } from '../azure/lro';
import type { Clock } from '../clock';
import { AzureError, InputError, TaskError, errorMessage } from '../errors';
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

/** The deployment taking the most traffic now (the one a rollout replaces). */
export function liveDeployment(endpoint: EndpointResource | undefined): string | undefined {
  const traffic = Object.entries(endpoint?.properties.traffic ?? {}).filter(([, p]) => p > 0).sort((a, b) => b[1] - a[1]);
  return traffic[0]?.[0];
}

/** The colour a new deployment takes beside the live one. */
export function nextColour(live: string | undefined): string {
  return live === 'blue' ? 'green' : 'blue';
}

/**
 * Blue/green for an endpoint that serves one deployment: the new deployment is created beside the live one, takes
 * all traffic once it is up, and only then are the others deleted. A deployment that fails is removed again and
 * the live one keeps serving. A failure carries the last lines of the new deployment's logs.
 */
export async function replaceServingDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, body: unknown, wait: WaitOptions): Promise<{ scoringUri: string; deployment: string }> {
  const before = await getEndpointResource(clients, ws, endpoint);
  const live = liveDeployment(before);
  const next = nextColour(live);
  try {
    await putDeployment(clients, ws, endpoint, next, body, wait);
  } catch (err) {
    const logs = await deploymentLogs(clients, ws, endpoint, next);
    if (live) await deleteDeployment(clients, ws, endpoint, next, wait).catch(() => undefined);
    const kept = live ? `; '${live}' keeps serving` : '';
    throw new DeploymentFailedError(`${err instanceof TaskError ? err.message : `Deploying '${next}' on endpoint '${endpoint}' failed: ${errorMessage(err)}`}${kept}`, logs);
  }
  const traffic = before?.properties.traffic ?? {};
  await setTraffic(clients, ws, endpoint, { ...Object.fromEntries(Object.keys(traffic).map((d) => [d, 0])), [next]: 100 }, wait);
  for (const old of Object.keys(traffic).filter((d) => d !== next)) await deleteDeployment(clients, ws, endpoint, old, wait);
  const scoringUri = (await getEndpointResource(clients, ws, endpoint))?.properties.scoringUri;
  if (!scoringUri) throw new AzureError(`Online endpoint '${endpoint}' has no scoring URI.`);
  return { scoringUri, deployment: next };
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
