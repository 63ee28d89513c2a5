import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { armError, fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from './http';
import { assetById, writeCodeFolder } from './assets';
import { startInferenceServer } from './inference-server';
import { echoPredictions, forwardScore, startEchoServer } from './scoring';
import { secretValue, type ContainerGroup, type EmulatorState, type OnlineEndpoint, type Workspace } from './state';

export const API_VERSIONS: Record<string, string[]> = {
  'microsoft.machinelearningservices': [
    '2022-10-01', '2023-04-01', '2023-04-01-preview', '2023-10-01', '2024-01-01-preview', '2024-04-01',
    '2024-10-01', '2025-01-01-preview', '2025-06-01', '2025-09-01', '2025-12-01',
  ],
  'microsoft.containerinstance': ['2021-09-01', '2022-09-01', '2023-05-01', '2024-10-01-preview'],
};

export const WS = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';
const ACI = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups/{name}';

/** ARM's own checks, done before routing: a valid bearer token and a supported api-version. */
export function armPreflight(state: EmulatorState, req: EmulatorRequest): EmulatorResponse | undefined {
  if (!state.validToken(req.headers.authorization)) {
    return armError(401, 'InvalidAuthenticationToken', 'The access token is missing, invalid or expired.');
  }
  const apiVersion = req.url.searchParams.get('api-version');
  if (!apiVersion) {
    return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  const provider = /\/providers\/([^/]+)/i.exec(req.path)?.[1]?.toLowerCase();
  const supported = provider ? API_VERSIONS[provider] : undefined;
  if (supported && !supported.includes(apiVersion)) {
    return armError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`,
    );
  }
  return undefined;
}

export function baseUrl(req: EmulatorRequest): string {
  return `https://${req.headers.host}`;
}

export function apiVersionOf(req: EmulatorRequest): string {
  return req.url.searchParams.get('api-version') as string;
}

export function workspaceOf(state: EmulatorState, req: EmulatorRequest): Workspace {
  const { sub, rg, ws } = req.params;
  const found = state.findWorkspace(sub, rg, ws);
  if (!found) {
    if (!state.workspaces.some((w) => w.resourceGroup.toLowerCase() === rg.toLowerCase())) {
      fail(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    }
    fail(404, 'ResourceNotFound', `The Resource 'Microsoft.MachineLearningServices/workspaces/${ws}' under resource group '${rg}' was not found.`);
  }
  return found;
}

export function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}`;
}

/** A page of `items` with an absolute `nextLink` carrying $skipToken, as ARM lists do. */
export function page(req: EmulatorRequest, items: unknown[], pageSize: number): EmulatorResponse {
  const start = Number(req.url.searchParams.get('$skipToken') ?? '0') || 0;
  const value = items.slice(start, start + pageSize);
  const body: Record<string, unknown> = { value };
  if (start + pageSize < items.length) {
    const query = [...req.url.searchParams].filter(([k]) => k !== '$skipToken').map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    query.push(`$skipToken=${start + pageSize}`);
    body.nextLink = `${baseUrl(req)}${req.url.pathname}?${query.join('&')}`;
  }
  return json(200, body);
}

export function systemData(existing?: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    createdAt: (existing?.createdAt as string) ?? now,
    createdBy: 'emulator',
    createdByType: 'Application',
    lastModifiedAt: now,
    lastModifiedBy: 'emulator',
    lastModifiedByType: 'Application',
  };
}

function asyncOperationHeaders(state: EmulatorState, req: EmulatorRequest, provider: string, location: string, opId: string): Record<string, string> {
  const sub = req.params.sub;
  return {
    'Azure-AsyncOperation': `${baseUrl(req)}/subscriptions/${sub}/providers/${provider}/locations/${location}/mfeOperationsStatus/${opId}?api-version=${apiVersionOf(req)}`,
    'x-ms-async-operation-timeout': 'PT1H',
    'Retry-After': String(state.retryAfterSeconds),
  };
}

export function locationHeaders(state: EmulatorState, req: EmulatorRequest, provider: string, location: string, opId: string): Record<string, string> {
  return {
    Location: `${baseUrl(req)}/subscriptions/${req.params.sub}/providers/${provider}/locations/${location}/mfeOperationResults/${opId}?api-version=${apiVersionOf(req)}`,
    'Retry-After': String(state.retryAfterSeconds),
  };
}

function endpointKey(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/onlineEndpoints/${name}`.toLowerCase();
}

function getEndpoint(state: EmulatorState, req: EmulatorRequest): OnlineEndpoint {
  const ws = workspaceOf(state, req);
  const ep = state.onlineEndpoints.get(endpointKey(ws, req.params.name));
  if (!ep) fail(404, 'ResourceNotFound', `Online endpoint '${req.params.name}' was not found in workspace '${ws.name}'.`, req.params.name);
  return ep;
}

const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const AUTH_MODES = ['Key', 'AMLToken', 'AADToken'];

function putOnlineEndpoint(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const name = req.params.name;
  if (!ENDPOINT_NAME.test(name)) {
    fail(400, 'ValidationError', `Endpoint name '${name}' must be 3-32 characters, start with a letter, and contain only letters, digits and '-'.`, 'name');
  }
  const body = (req.body ?? {}) as { location?: string; tags?: Record<string, string>; identity?: unknown; kind?: string; properties?: Record<string, unknown> };
  const props = body.properties ?? {};
  const authMode = String(props.authMode ?? '');
  if (!AUTH_MODES.includes(authMode)) fail(400, 'ValidationError', `authMode must be one of ${AUTH_MODES.join(', ')}.`, 'properties.authMode');
  if (props.compute && authMode === 'AADToken') {
    fail(400, 'ValidationError', 'Kubernetes online endpoints support only the Key and AMLToken auth modes.', 'properties.authMode');
  }
  const key = endpointKey(ws, name);
  const existing = state.onlineEndpoints.get(key);
  const traffic = (props.traffic ?? {}) as Record<string, number>;
  for (const [deployment, percent] of Object.entries(traffic)) {
    if (percent > 0 && !existing?.deployments.has(deployment)) {
      fail(400, 'BadArgument', `Traffic cannot be sent to deployment '${deployment}': it does not exist on endpoint '${name}'.`, 'properties.traffic');
    }
  }
  const total = Object.values(traffic).reduce((s, v) => s + v, 0);
  if (total !== 0 && total !== 100) fail(400, 'BadArgument', `Traffic percentages must add up to 0 or 100, not ${total}.`, 'properties.traffic');

  const resource: Record<string, unknown> = {
    id: `${workspaceId(ws)}/onlineEndpoints/${name}`,
    name,
    type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
    location: body.location ?? ws.location,
    kind: body.kind ?? (props.compute ? 'K8S' : 'Managed'),
    tags: body.tags ?? {},
    identity: body.identity ?? { type: 'SystemAssigned', principalId: randomUUID(), tenantId: state.tenantId },
    systemData: systemData(existing?.resource.systemData as Record<string, unknown> | undefined),
    properties: {
      description: props.description,
      properties: props.properties ?? {},
      authMode,
      compute: props.compute,
      traffic,
      scoringUri: `${baseUrl(req)}/inference/${name}/score`,
      swaggerUri: `${baseUrl(req)}/inference/${name}/swagger.json`,
      provisioningState: existing ? 'Updating' : 'Creating',
    },
  };
  const endpoint: OnlineEndpoint = existing ?? {
    workspace: ws,
    name,
    resource,
    keys: { primaryKey: secretValue('pk-'), secondaryKey: secretValue('sk-') },
    deployments: new Map(),
  };
  endpoint.resource = resource;
  state.onlineEndpoints.set(key, endpoint);
  const opId = state.startOperation({
    outcome: 'Succeeded',
    complete: () => ((endpoint.resource.properties as Record<string, unknown>).provisioningState = 'Succeeded'),
  });
  return json(existing ? 200 : 201, resource, asyncOperationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId));
}

function deleteOnlineEndpoint(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const key = endpointKey(ws, req.params.name);
  const endpoint = state.onlineEndpoints.get(key);
  if (!endpoint) return { status: 204 };
  (endpoint.resource.properties as Record<string, unknown>).provisioningState = 'Deleting';
  const opId = state.startOperation({ outcome: 'Succeeded', complete: () => state.onlineEndpoints.delete(key) });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId) };
}

function patchOnlineEndpoint(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const endpoint = getEndpoint(state, req);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const unknownKeys = Object.keys(body).filter((k) => k !== 'tags' && k !== 'identity');
  if (unknownKeys.length) {
    fail(400, 'BadArgument', `PATCH of an online endpoint accepts only tags and identity, not: ${unknownKeys.join(', ')}. Change traffic with a PUT of the endpoint.`);
  }
  if (body.tags) endpoint.resource.tags = body.tags;
  if (body.identity) endpoint.resource.identity = body.identity;
  const opId = state.startOperation({ outcome: 'Succeeded', complete: () => undefined });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', endpoint.workspace.location, opId) };
}

function authModeOf(endpoint: OnlineEndpoint): string {
  return (endpoint.resource.properties as Record<string, unknown>).authMode as string;
}

function operationRoutes(state: EmulatorState, provider: string): Route[] {
  const find = (req: EmulatorRequest) => {
    const op = state.operations.get(req.params.id);
    if (!op) fail(404, 'OperationNotFound', `Operation '${req.params.id}' was not found.`);
    return op;
  };
  const advance = (req: EmulatorRequest): boolean => {
    const op = find(req);
    if (op.remainingPolls > 0) {
      op.remainingPolls -= 1;
      return false;
    }
    if (op.outcome === 'Succeeded') op.complete();
    state.operations.delete(req.params.id);
    return true;
  };
  const retryAfter = { 'Retry-After': String(state.retryAfterSeconds) };
  return [
    route('GET', `/subscriptions/{sub}/providers/${provider}/locations/{loc}/mfeOperationsStatus/{id}`, (req) => {
      const op = find(req);
      if (!advance(req)) return json(200, { id: req.params.id, status: 'InProgress' }, { 'Retry-After': String(state.retryAfterSeconds) });
      return json(200, { id: req.params.id, status: op.outcome, ...(op.error ? { error: op.error } : {}) });
    }),
    route('GET', `/subscriptions/{sub}/providers/${provider}/locations/{loc}/mfeOperationResults/{id}`, (req) => {
      const op = find(req);
      if (!advance(req)) return { status: 202, headers: { ...retryAfter, Location: `${baseUrl(req)}${req.path}${req.url.search}` } };
      if (op.outcome === 'Failed') return armError(400, op.error?.code ?? 'OperationFailed', op.error?.message ?? 'The operation failed.');
      return op.result === undefined ? { status: 200 } : json(200, op.result);
    }),
  ];
}

function groupKey(req: EmulatorRequest): string {
  return `${req.params.sub}/${req.params.rg}/${req.params.name}`.toLowerCase();
}

const GROUP_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

async function putContainerGroup(state: EmulatorState, req: EmulatorRequest): Promise<EmulatorResponse> {
  const { sub, rg, name } = req.params;
  if (!state.workspaces.some((w) => w.subscriptionId === sub && w.resourceGroup.toLowerCase() === rg.toLowerCase())) {
    fail(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  if (!GROUP_NAME.test(name) || name.includes('--')) {
    fail(400, 'ContainerGroupNameInvalid', `The container group name '${name}' is invalid. It must be 1-63 lowercase letters, digits or single hyphens, and start and end with a letter or digit.`);
  }
  const body = (req.body ?? {}) as { location?: string; tags?: Record<string, string>; identity?: { userAssignedIdentities?: Record<string, unknown> }; properties?: Record<string, unknown> };
  const props = { ...(body.properties ?? {}) };
  if (!Array.isArray(props.containers) || props.containers.length === 0) fail(400, 'ContainerGroupContainersMissing', 'At least one container is required.');
  for (const cred of (props.imageRegistryCredentials ?? []) as { server: string; identity?: string }[]) {
    if (cred.identity && !Object.keys(body.identity?.userAssignedIdentities ?? {}).some((id) => id.toLowerCase() === cred.identity?.toLowerCase())) {
      fail(400, 'InvalidImageRegistryCredentialIdentity', `The identity '${cred.identity}' of the registry credential for '${cred.server}' is not assigned to the container group.`);
    }
  }
  const key = groupKey(req);
  const existing = state.containerGroups.get(key);
  const container = (props.containers as { name: string; properties: { image: string; environmentVariables?: { name: string; value?: string; secureValue?: string }[] } }[])[0];
  const image = container.properties.image;
  const reuse = existing && existing.image === image && existing.port !== undefined;
  if (existing && !reuse) await existing.stop?.();
  const running = reuse ? undefined : await startContainer(state, name, image, container.properties.environmentVariables ?? []);
  const port = reuse ? existing.port : running?.port;
  const ip = (props.ipAddress ?? {}) as Record<string, unknown>;
  props.ipAddress = { ...ip, ip: '127.0.0.1', fqdn: '127.0.0.1', ports: port === undefined ? [] : [{ protocol: 'TCP', port }] };
  props.provisioningState = 'Pending';
  props.instanceView = { state: 'Pending', events: [] };
  for (const c of props.containers as { properties: { environmentVariables?: { secureValue?: string }[] } }[]) {
    // Secure values are never returned by GET, as in ACI.
    for (const v of c.properties.environmentVariables ?? []) if (v.secureValue !== undefined) v.secureValue = undefined;
  }
  const resource: Record<string, unknown> = {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`,
    name,
    type: 'Microsoft.ContainerInstance/containerGroups',
    location: body.location ?? 'westeurope',
    tags: body.tags ?? {},
    ...(body.identity ? { identity: body.identity } : {}),
    properties: props,
  };
  for (const cred of (props.imageRegistryCredentials ?? []) as { password?: string }[]) delete cred.password;
  const group: ContainerGroup = { subscriptionId: sub, resourceGroup: rg, name, resource, port, image, logs: running?.logs ?? existing?.logs, stop: running?.stop ?? existing?.stop };
  if (running) state.stopOnClose.push(running.stop);
  state.containerGroups.set(key, group);
  const failed = port === undefined;
  const opId = state.startOperation({
    outcome: failed ? 'Failed' : 'Succeeded',
    error: failed ? { code: 'ContainerGroupFailed', message: `Container '${container.name}' terminated: ${(group.logs?.() ?? '').trim().split('\n').pop() ?? 'no output'}` } : undefined,
    complete: () => {
      props.provisioningState = 'Succeeded';
      props.instanceView = { state: 'Running', events: [] };
    },
  });
  if (failed) {
    props.provisioningState = 'Failed';
    props.instanceView = { state: 'Terminated', events: [{ name: 'Terminated', message: 'The container exited.' }] };
  }
  return json(existing ? 200 : 201, resource, asyncOperationHeaders(state, req, 'Microsoft.ContainerInstance', String(resource.location), opId));
}

/**
 * Starts what a container group's image would run: the inference server with the packaged model and scoring code
 * for an image built by model package, else the echo model.
 */
async function startContainer(state: EmulatorState, group: string, image: string, env: { name: string; value?: string; secureValue?: string }[]): Promise<{ port?: number; logs: () => string; stop: () => Promise<void> }> {
  const pkg = state.packages.get(image);
  if (!pkg) {
    const echo = await startEchoServer({ containerGroup: group });
    return { port: echo.port, logs: () => 'echo model listening\n', stop: echo.stop };
  }
  const code = assetById(state, pkg.codeId);
  const workDir = path.join(state.jobsRoot, '..', 'containers', `${group}-${Date.now()}`);
  const codeDir = path.join(workDir, 'code');
  writeCodeFolder(state, String(code?.resource.properties.codeUri ?? ''), codeDir);
  const vars = { ...pkg.environmentVariables, ...Object.fromEntries(env.map((v) => [v.name, v.value ?? v.secureValue ?? ''])) };
  const server = await startInferenceServer(workDir, codeDir, pkg.scoringScript, pkg.modelDir, vars);
  return {
    port: server.port,
    logs: server.logs,
    stop: async () => {
      if (!server.exited()) server.process.kill('SIGKILL');
    },
  };
}

/** Azure ML workspace, online endpoints, container groups and the long-running-operation status routes. */
export function armRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', WS, (req) => {
      const ws = workspaceOf(state, req);
      return json(200, {
        id: workspaceId(ws),
        name: ws.name,
        type: 'Microsoft.MachineLearningServices/workspaces',
        location: ws.location,
        identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: state.tenantId },
        properties: {
          friendlyName: ws.name,
          discoveryUrl: `${baseUrl(req)}/discovery`,
          // The emulator's own host, so clients reach its MLflow routes (the service gives <region>.api.azureml.ms).
          mlFlowTrackingUri: `azureml://${req.headers.host}/mlflow/v1.0${workspaceId(ws)}`,
          provisioningState: 'Succeeded',
          publicNetworkAccess: 'Enabled',
        },
      });
    }),
    route('GET', `${WS}/onlineEndpoints`, (req) => {
      const ws = workspaceOf(state, req);
      const items = [...state.onlineEndpoints.values()].filter((e) => e.workspace === ws).map((e) => e.resource);
      return page(req, items, state.pageSize);
    }),
    route('GET', `${WS}/onlineEndpoints/{name}`, (req) => json(200, getEndpoint(state, req).resource)),
    route('PUT', `${WS}/onlineEndpoints/{name}`, (req) => putOnlineEndpoint(state, req)),
    route('PATCH', `${WS}/onlineEndpoints/{name}`, (req) => patchOnlineEndpoint(state, req)),
    route('DELETE', `${WS}/onlineEndpoints/{name}`, (req) => deleteOnlineEndpoint(state, req)),
    route('POST', `${WS}/onlineEndpoints/{name}/listKeys`, (req) => {
      const endpoint = getEndpoint(state, req);
      if (authModeOf(endpoint) !== 'Key') fail(400, 'BadArgument', `Endpoint '${endpoint.name}' uses ${authModeOf(endpoint)} auth; keys exist only for Key auth.`);
      return json(200, endpoint.keys);
    }),
    route('POST', `${WS}/onlineEndpoints/{name}/token`, (req) => {
      const endpoint = getEndpoint(state, req);
      if (authModeOf(endpoint) !== 'AMLToken') fail(400, 'BadArgument', `Endpoint '${endpoint.name}' uses ${authModeOf(endpoint)} auth; tokens exist only for AMLToken auth.`);
      const accessToken = secretValue('amltok-');
      const expiry = Math.floor(Date.now() / 1000) + 3600;
      state.amlTokens.set(accessToken, { endpoint: endpoint.name, expiresAt: expiry * 1000 });
      return json(200, { accessToken, tokenType: 'Bearer', expiryTimeUtc: expiry, refreshAfterTimeUtc: expiry - 1800 });
    }),
    route('GET', ACI, (req) => {
      const group = state.containerGroups.get(groupKey(req));
      if (!group) fail(404, 'ResourceNotFound', `The Resource 'Microsoft.ContainerInstance/containerGroups/${req.params.name}' under resource group '${req.params.rg}' was not found.`);
      return json(200, group.resource);
    }),
    route('PUT', ACI, (req) => putContainerGroup(state, req)),
    route('DELETE', ACI, (req) => {
      const key = groupKey(req);
      const group = state.containerGroups.get(key);
      if (!group) return { status: 204 };
      state.containerGroups.delete(key);
      void group.stop?.();
      return json(200, group.resource);
    }),
    route('GET', `${ACI}/containers/{container}/logs`, (req) => {
      const group = state.containerGroups.get(groupKey(req));
      if (!group) fail(404, 'ResourceNotFound', `The Resource 'Microsoft.ContainerInstance/containerGroups/${req.params.name}' under resource group '${req.params.rg}' was not found.`);
      const tail = Number(req.url.searchParams.get('tail') ?? '0');
      const lines = (group.logs?.() ?? '').split('\n');
      return json(200, { content: (tail > 0 ? lines.slice(-tail - 1) : lines).join('\n') });
    }),
    ...operationRoutes(state, 'Microsoft.MachineLearningServices'),
    ...operationRoutes(state, 'Microsoft.ContainerInstance'),
  ];
}

/** Online endpoint scoring, with the endpoint's auth mode enforced and the deployment header honoured. */
export function scoringRoutes(state: EmulatorState): Route[] {
  const find = (name: string) => [...state.onlineEndpoints.values()].find((e) => e.name.toLowerCase() === name.toLowerCase());
  return [
    route('POST', '/inference/{name}/score', async (req) => {
      const endpoint = find(req.params.name);
      if (!endpoint) return json(404, { message: `Endpoint '${req.params.name}' not found.` });
      const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      const mode = authModeOf(endpoint);
      const amlToken = bearer ? state.amlTokens.get(bearer) : undefined;
      const aad = state.validToken(req.headers.authorization);
      const authorized =
        (mode === 'Key' && (bearer === endpoint.keys.primaryKey || bearer === endpoint.keys.secondaryKey)) ||
        (mode === 'AMLToken' && amlToken?.endpoint === endpoint.name && amlToken.expiresAt > Date.now()) ||
        (mode === 'AADToken' && aad !== undefined && aad.scope.startsWith('https://ml.azure.com'));
      if (!authorized) return json(401, { message: `Unauthorized: a valid ${mode} credential is required.` });
      const traffic = ((endpoint.resource.properties as Record<string, unknown>).traffic ?? {}) as Record<string, number>;
      const header = req.headers['azureml-model-deployment'];
      const chosen = typeof header === 'string' && header ? header : pickByTraffic(traffic);
      const deployment = chosen ? endpoint.deployments.get(chosen) : undefined;
      if (!deployment) {
        return json(404, { message: chosen ? `Deployment '${chosen}' not found.` : 'No deployment takes traffic on this endpoint.' });
      }
      if (!deployment.healthy) return json(502, { message: `Deployment '${deployment.name}' is not healthy.` });
      if (deployment.port !== undefined) {
        const forwarded = await forwardScore(deployment.port, req.rawBody);
        return { ...forwarded, headers: { 'azureml-model-deployment': deployment.name } };
      }
      const answer = echoPredictions(req.body);
      const body = answer.status === 200 ? { ...(answer.body as object), endpoint: endpoint.name, deployment: deployment.name } : answer.body;
      return json(answer.status, body, { 'azureml-model-deployment': deployment.name });
    }),
  ];
}

let trafficCounter = 0;

/** Weighted choice, deterministic over successive calls (a rotating counter, not a random draw). */
function pickByTraffic(traffic: Record<string, number>): string | undefined {
  const entries = Object.entries(traffic).filter(([, p]) => p > 0);
  if (!entries.length) return undefined;
  const slot = trafficCounter++ % 100;
  let acc = 0;
  for (const [name, percent] of entries) {
    acc += percent;
    if (slot < acc) return name;
  }
  return entries[entries.length - 1][0];
}
