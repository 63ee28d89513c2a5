import type { ArmClients } from '../azure/arm-client';
import type { DataPlaneClient } from '../azure/data-plane';
import { lroOptions, sendAndWait, type Wait } from '../azure/lro';
import { AzureError } from '../errors';
import { ML_SCOPE } from './online-endpoints';
import { workspacePath, type WorkspaceRef } from './workspace';

/**
 * Batch endpoints, their deployments, invocations and the jobs an invocation starts: the one place for their
 * paths, bodies, reads and writes. Batch endpoints take Entra tokens only (audience https://ml.azure.com).
 */

export interface BatchEndpointResource {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  properties: {
    authMode: 'AADToken';
    description?: string;
    defaults?: { deploymentName?: string | null };
    scoringUri?: string;
    provisioningState?: string;
  };
}

export interface BatchDeploymentResource {
  id?: string;
  name?: string;
  location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}

export interface BatchJob {
  id: string;
  name: string;
  properties: { status?: string; outputs?: Record<string, { uri?: string }>; properties?: Record<string, string> };
}

export function batchEndpointPath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/batchEndpoints/${encodeURIComponent(name)}`;
}

export function batchDeploymentPath(ws: WorkspaceRef, endpoint: string, deployment: string): string {
  return `${batchEndpointPath(ws, endpoint)}/deployments/${encodeURIComponent(deployment)}`;
}

export function getBatchEndpoint(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<BatchEndpointResource | undefined> {
  return clients.rest().tryGet(batchEndpointPath(ws, name), `Get batch endpoint '${name}' in workspace '${ws.workspace}'`);
}

export function getBatchDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string): Promise<BatchDeploymentResource | undefined> {
  return clients.rest().tryGet(batchDeploymentPath(ws, endpoint, name), `Get batch deployment '${name}' of '${endpoint}'`);
}

async function putBatchEndpoint(clients: ArmClients, ws: WorkspaceRef, endpoint: Omit<BatchEndpointResource, 'id'>, wait: Wait, operation: string) {
  const body = {
    location: endpoint.location,
    tags: endpoint.tags ?? {},
    properties: { authMode: 'AADToken', description: endpoint.properties.description, defaults: endpoint.properties.defaults ?? {} },
  };
  const res = await sendAndWait<BatchEndpointResource>(clients.rest(), 'PUT', batchEndpointPath(ws, endpoint.name), body, lroOptions(operation, wait));
  return res.body;
}

/** The endpoint as it is, or created (AADToken auth, no default yet) in the workspace's region. */
export async function ensureBatchEndpoint(
  clients: ArmClients,
  ws: WorkspaceRef,
  spec: { name: string; location: string; description?: string; tags: Record<string, string> },
  wait: Wait,
): Promise<{ endpoint: BatchEndpointResource; created: boolean }> {
  const existing = await getBatchEndpoint(clients, ws, spec.name);
  if (existing) return { endpoint: existing, created: false };
  const endpoint = await putBatchEndpoint(
    clients,
    ws,
    { name: spec.name, location: spec.location, tags: spec.tags, properties: { authMode: 'AADToken', description: spec.description } },
    wait,
    `Create batch endpoint '${spec.name}'`,
  );
  return { endpoint, created: true };
}

/** The default deployment changes by PUT of the whole endpoint: read, change, put. */
export async function setDefaultDeployment(
  clients: ArmClients,
  ws: WorkspaceRef,
  name: string,
  deployment: string,
  wait: Wait,
): Promise<BatchEndpointResource> {
  const current = await getBatchEndpoint(clients, ws, name);
  if (!current) throw new AzureError(`Batch endpoint '${name}' disappeared.`);
  return putBatchEndpoint(
    clients,
    ws,
    { ...current, properties: { ...current.properties, defaults: { deploymentName: deployment } } },
    wait,
    `Make '${deployment}' the default deployment of '${name}'`,
  );
}

export async function putBatchDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, body: BatchDeploymentResource, wait: Wait) {
  const path = batchDeploymentPath(ws, endpoint, name);
  await sendAndWait(clients.rest(), 'PUT', path, body, lroOptions(`Create or update batch deployment '${name}' on '${endpoint}'`, wait));
}

export async function deleteBatchEndpoint(clients: ArmClients, ws: WorkspaceRef, name: string, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(), 'DELETE', batchEndpointPath(ws, name), undefined, lroOptions(`Delete batch endpoint '${name}'`, wait));
}

export async function deleteBatchDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(), 'DELETE', batchDeploymentPath(ws, endpoint, name), undefined, lroOptions(`Delete batch deployment '${name}'`, wait));
}

export type BatchInput = { kind: 'uri'; type: 'UriFolder' | 'UriFile'; uri: string } | { kind: 'literal'; value: string };

/**
 * Invokes the endpoint at its invocation URL (`scoringUri`) with an Entra token for Azure ML; a named deployment
 * goes in the `azureml-model-deployment` header, else the endpoint's default runs. The answer is the batch job.
 */
export async function invokeBatchEndpoint(
  clients: ArmClients,
  http: DataPlaneClient,
  endpoint: BatchEndpointResource,
  deployment: string | undefined,
  inputs: Record<string, BatchInput>,
): Promise<BatchJob> {
  if (!endpoint.properties.scoringUri)
    throw new AzureError(`Batch endpoint '${endpoint.name}' has no invocation URL yet (state: ${endpoint.properties.provisioningState}).`);
  const token = await clients.credential.getToken(ML_SCOPE);
  if (!token?.token) throw new AzureError(`No Entra token for ${ML_SCOPE}: batch endpoints take Entra tokens for Azure ML only.`);
  const InputData = Object.fromEntries(
    Object.entries(inputs).map(([n, i]) => [n, i.kind === 'literal' ? { JobInputType: 'Literal', Value: i.value } : { JobInputType: i.type, Uri: i.uri }]),
  );
  const headers: Record<string, string> = { authorization: `Bearer ${token.token}`, ...(deployment ? { 'azureml-model-deployment': deployment } : {}) };
  const job = await http.json<BatchJob>(
    'POST',
    endpoint.properties.scoringUri,
    `Invoke batch endpoint '${endpoint.name}'`,
    { properties: { InputData } },
    headers,
  );
  if (!job?.name) throw new AzureError(`Invoking batch endpoint '${endpoint.name}' returned no job.`);
  return job;
}

export function getJob(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<BatchJob | undefined> {
  return clients.rest().tryGet(`${workspacePath(ws)}/jobs/${encodeURIComponent(name)}`, `Get job '${name}'`);
}
