import type { ArmClients } from '../azure/arm-client';
import { lroOptions, sendAndWait, type Wait } from '../azure/lro';
import { AzureError } from '../errors';
import { workspacePath, type WorkspaceRef } from './workspace';

/**
 * Online endpoints and their deployments: the one place for their types, paths, reads and writes, and the body of
 * a deployment, which every task that deploys builds here.
 */

export type EndpointAuthMode = 'Key' | 'AMLToken' | 'AADToken';

export interface EndpointResource {
  id: string;
  name: string;
  location: string;
  kind?: string;
  identity?: unknown;
  tags?: Record<string, string>;
  properties: {
    authMode: EndpointAuthMode;
    compute?: string;
    traffic?: Record<string, number>;
    scoringUri?: string;
    description?: string;
    publicNetworkAccess?: string;
    provisioningState?: string;
  };
}

export interface DeploymentResource {
  sku?: unknown;
  properties: Record<string, unknown>;
}

export function endpointPath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/onlineEndpoints/${encodeURIComponent(name)}`;
}

export function deploymentPath(ws: WorkspaceRef, endpoint: string, deployment: string): string {
  return `${endpointPath(ws, endpoint)}/deployments/${encodeURIComponent(deployment)}`;
}

/** The endpoint, or nothing when it does not exist. */
export function getEndpointResource(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<EndpointResource | undefined> {
  return clients.rest().tryGet<EndpointResource>(endpointPath(ws, name), `Get online endpoint '${name}' in workspace '${ws.workspace}'`);
}

/** The deployment taking the most traffic now (the one a rollout replaces). */
export function liveDeployment(endpoint: EndpointResource | undefined): string | undefined {
  const traffic = Object.entries(endpoint?.properties.traffic ?? {})
    .filter(([, p]) => p > 0)
    .sort((a, b) => b[1] - a[1]);
  return traffic[0]?.[0];
}

/** The colour a new deployment takes beside the live one. */
export function nextColour(live: string | undefined): string {
  return live === 'blue' ? 'green' : 'blue';
}

export async function putEndpoint(
  clients: ArmClients,
  ws: WorkspaceRef,
  endpoint: Omit<EndpointResource, 'id'>,
  wait: Wait,
  operation: string,
): Promise<EndpointResource> {
  const body = {
    location: endpoint.location,
    kind: endpoint.kind,
    identity: endpoint.identity,
    tags: endpoint.tags,
    properties: {
      authMode: endpoint.properties.authMode,
      compute: endpoint.properties.compute,
      traffic: endpoint.properties.traffic ?? {},
      description: endpoint.properties.description,
      ...(endpoint.properties.publicNetworkAccess ? { publicNetworkAccess: endpoint.properties.publicNetworkAccess } : {}),
    },
  };
  const res = await sendAndWait<EndpointResource>(clients.rest(), 'PUT', endpointPath(ws, endpoint.name), body, lroOptions(operation, wait));
  return res.body;
}

/** What an endpoint the task creates gets: auth, compute, and (from an endpoint YAML) identity, network access, description. */
export interface EndpointSpec {
  name: string;
  location: string;
  authMode: 'key' | 'aml_token' | 'aad_token';
  computeId?: string;
  tags: Record<string, string>;
  identity?: unknown;
  publicNetworkAccess?: string;
  description?: string;
}

const AUTH_MODES: Record<EndpointSpec['authMode'], EndpointAuthMode> = { key: 'Key', aml_token: 'AMLToken', aad_token: 'AADToken' };

/** The endpoint as it is, or created (empty traffic) in `location` (the workspace's region) when it does not exist yet. */
export async function ensureEndpoint(
  clients: ArmClients,
  ws: WorkspaceRef,
  spec: EndpointSpec,
  wait: Wait,
): Promise<{ endpoint: EndpointResource; created: boolean }> {
  const existing = await getEndpointResource(clients, ws, spec.name);
  if (existing) return { endpoint: existing, created: false };
  const properties = {
    authMode: AUTH_MODES[spec.authMode],
    compute: spec.computeId,
    traffic: {},
    description: spec.description,
    publicNetworkAccess: spec.publicNetworkAccess,
  };
  const endpoint = await putEndpoint(
    clients,
    ws,
    { name: spec.name, location: spec.location, tags: spec.tags, identity: spec.identity, properties },
    wait,
    `Create online endpoint '${spec.name}'`,
  );
  return { endpoint, created: true };
}

/** Traffic changes only by PUT of the whole endpoint (PATCH takes tags and identity): read, change, put. */
export async function setTraffic(clients: ArmClients, ws: WorkspaceRef, name: string, traffic: Record<string, number>, wait: Wait): Promise<void> {
  const current = await getEndpointResource(clients, ws, name);
  if (!current) throw new AzureError(`Online endpoint '${name}' disappeared.`);
  await putEndpoint(
    clients,
    ws,
    { ...current, properties: { ...current.properties, traffic } },
    wait,
    `Set traffic of '${name}' to ${JSON.stringify(traffic)}`,
  );
}

export async function deleteEndpoint(clients: ArmClients, ws: WorkspaceRef, name: string, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(), 'DELETE', endpointPath(ws, name), undefined, lroOptions(`Delete online endpoint '${name}'`, wait));
}

/** The endpoint's primary key (Key auth). */
export async function getEndpointKey(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const { body: keys } = await clients
    .rest()
    .request<{ primaryKey?: string }>('POST', `${endpointPath(ws, name)}/listKeys`, { operation: `List keys of online endpoint '${name}'` });
  if (!keys.primaryKey) throw new AzureError(`Online endpoint '${name}' returned no primary key.`);
  return keys.primaryKey;
}

/** A fresh Azure ML token for the endpoint (AMLToken auth). */
export async function getEndpointToken(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const { body: token } = await clients
    .rest()
    .request<{ accessToken?: string }>('POST', `${endpointPath(ws, name)}/token`, { operation: `Get a token for online endpoint '${name}'` });
  if (!token.accessToken) throw new AzureError(`Online endpoint '${name}' returned no access token.`);
  return token.accessToken;
}

/** The credential a scoring request to the endpoint carries: its key, an Azure ML token, or an Entra token for Azure ML. */
export async function scoringCredential(clients: ArmClients, ws: WorkspaceRef, endpoint: EndpointResource): Promise<string> {
  switch (endpoint.properties.authMode) {
    case 'Key':
      return getEndpointKey(clients, ws, endpoint.name);
    case 'AMLToken':
      return getEndpointToken(clients, ws, endpoint.name);
    default: {
      const token = await clients.credential.getToken(ML_SCOPE);
      if (!token?.token) throw new AzureError(`No Entra token for ${ML_SCOPE} (endpoint '${endpoint.name}' takes aad_token).`);
      return token.token;
    }
  }
}

/** The audience of Entra tokens for Azure ML endpoints (aad_token auth). */
export const ML_SCOPE = 'https://ml.azure.com/.default';

/** What a deployment runs and where: the model, or a model package's environment that holds model and code. */
export interface DeploymentSpec {
  location: string;
  tags: Record<string, string>;
  compute: 'kubernetes' | 'managed';
  /** None for an MLflow model deployed without a scoring script (Azure ML brings its MLflow server). */
  environmentId?: string;
  modelId?: string;
  code?: { codeId: string; scoringScript: string };
  instanceCount?: number;
  /** Further deployment properties as the REST API names them (instanceType, probes, request and scale settings, variables). */
  properties?: Record<string, unknown>;
}

/** The body of an online deployment PUT. */
export function deploymentBody(spec: DeploymentSpec): { location: string; tags: Record<string, string>; sku?: unknown; properties: Record<string, unknown> } {
  return {
    location: spec.location,
    tags: spec.tags,
    ...(spec.instanceCount ? { sku: { name: 'Default', capacity: spec.instanceCount } } : {}),
    properties: {
      endpointComputeType: spec.compute === 'kubernetes' ? 'Kubernetes' : 'Managed',
      ...(spec.modelId ? { model: spec.modelId } : {}),
      ...(spec.environmentId ? { environmentId: spec.environmentId } : {}),
      ...(spec.code ? { codeConfiguration: spec.code } : {}),
      ...spec.properties,
    },
  };
}

export function getDeploymentResource(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string): Promise<DeploymentResource | undefined> {
  return clients.rest().tryGet(deploymentPath(ws, endpoint, name), `Get deployment '${name}' of '${endpoint}'`);
}

export async function putDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, body: unknown, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(), 'PUT', deploymentPath(ws, endpoint, name), body, lroOptions(`Create deployment '${name}' on '${endpoint}'`, wait));
}

export async function deleteDeployment(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, wait: Wait): Promise<void> {
  await sendAndWait(clients.rest(), 'DELETE', deploymentPath(ws, endpoint, name), undefined, lroOptions(`Delete deployment '${name}'`, wait));
}

/** The last lines of a deployment's inference-server logs; empty when they cannot be read. */
export async function deploymentLogs(clients: ArmClients, ws: WorkspaceRef, endpoint: string, name: string, tail = 50): Promise<string> {
  try {
    const res = await clients.rest().request<{ content?: string }>('POST', `${deploymentPath(ws, endpoint, name)}/getLogs`, {
      operation: `Get the logs of deployment '${name}'`,
      body: { containerType: 'InferenceServer', tail },
    });
    return res.body.content ?? '';
  } catch {
    return '';
  }
}
