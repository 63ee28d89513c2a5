import { randomUUID } from 'node:crypto';
import { asyncOperationHeaders, baseUrl, locationHeaders, page, systemData, refuseWhileBusy, whenIdle, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { ML_AUDIENCE, secretValue, workspaceId, type EmulatorState, type OnlineEndpoint, type Workspace } from '../kit/state';
import { echoPredictions, forwardScore } from '../runtime/scoring';
import type { ResourceFamily } from './family';

function endpointKey(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/onlineEndpoints/${name}`.toLowerCase();
}

/** The endpoint a request names, or 404 as the service answers. */
export function endpointOf(state: EmulatorState, req: EmulatorRequest): OnlineEndpoint {
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
  const body = (req.body ?? {}) as {
    location?: string;
    tags?: Record<string, string>;
    identity?: unknown;
    kind?: string;
    properties?: Record<string, unknown>;
  };
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
    resource: req.path.toLowerCase(),
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
  const opId = state.startOperation({ outcome: 'Succeeded', resource: req.path.toLowerCase(), complete: () => state.onlineEndpoints.delete(key) });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId) };
}

function patchOnlineEndpoint(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const endpoint = endpointOf(state, req);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const unknownKeys = Object.keys(body).filter((k) => k !== 'tags' && k !== 'identity');
  if (unknownKeys.length) {
    fail(
      400,
      'BadArgument',
      `PATCH of an online endpoint accepts only tags and identity, not: ${unknownKeys.join(', ')}. Change traffic with a PUT of the endpoint.`,
    );
  }
  // The body is validated first (400), then the state (409), as the service answers.
  refuseWhileBusy(state, req);
  if (body.tags) endpoint.resource.tags = body.tags;
  if (body.identity) endpoint.resource.identity = body.identity;
  const opId = state.startOperation({ outcome: 'Succeeded', resource: req.path.toLowerCase(), complete: () => undefined });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', endpoint.workspace.location, opId) };
}

export function authModeOf(endpoint: OnlineEndpoint): string {
  return (endpoint.resource.properties as Record<string, unknown>).authMode as string;
}

/** Online endpoints: CRUD with the LRO headers ARM uses, keys, tokens. */
function endpointRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', `${WS}/onlineEndpoints`, (req) => {
      const ws = workspaceOf(state, req);
      const items = [...state.onlineEndpoints.values()].filter((e) => e.workspace === ws).map((e) => e.resource);
      return page(req, items, state.pageSize);
    }),
    route('GET', `${WS}/onlineEndpoints/{name}`, (req) => json(200, endpointOf(state, req).resource)),
    route(
      'PUT',
      `${WS}/onlineEndpoints/{name}`,
      whenIdle(state, (req) => putOnlineEndpoint(state, req)),
    ),
    route('PATCH', `${WS}/onlineEndpoints/{name}`, (req) => patchOnlineEndpoint(state, req)),
    route(
      'DELETE',
      `${WS}/onlineEndpoints/{name}`,
      whenIdle(state, (req) => deleteOnlineEndpoint(state, req)),
    ),
    route('POST', `${WS}/onlineEndpoints/{name}/listKeys`, (req) => {
      const endpoint = endpointOf(state, req);
      if (authModeOf(endpoint) !== 'Key')
        fail(400, 'BadArgument', `Endpoint '${endpoint.name}' uses ${authModeOf(endpoint)} auth; keys exist only for Key auth.`);
      return json(200, endpoint.keys);
    }),
    route('POST', `${WS}/onlineEndpoints/{name}/token`, (req) => {
      const endpoint = endpointOf(state, req);
      if (authModeOf(endpoint) !== 'AMLToken')
        fail(400, 'BadArgument', `Endpoint '${endpoint.name}' uses ${authModeOf(endpoint)} auth; tokens exist only for AMLToken auth.`);
      const accessToken = secretValue('amltok-');
      const expiry = Math.floor(Date.now() / 1000) + 3600;
      state.amlTokens.set(accessToken, { endpoint: endpoint.name, expiresAt: expiry * 1000 });
      return json(200, { accessToken, tokenType: 'Bearer', expiryTimeUtc: expiry, refreshAfterTimeUtc: expiry - 1800 });
    }),
  ];
}

/** Online endpoint scoring, with the endpoint's auth mode enforced and the deployment header honoured. */
function scoringRoutes(state: EmulatorState): Route[] {
  const find = (name: string) => [...state.onlineEndpoints.values()].find((e) => e.name.toLowerCase() === name.toLowerCase());
  return [
    route('POST', '/inference/{name}/score', async (req) => {
      const endpoint = find(req.params.name);
      if (!endpoint) return json(404, { message: `Endpoint '${req.params.name}' not found.` });
      const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      const mode = authModeOf(endpoint);
      const amlToken = bearer ? state.amlTokens.get(bearer) : undefined;
      // Online endpoints with AAD auth take tokens for Azure ML's data plane only.
      const aad = state.validToken(req.headers.authorization, [ML_AUDIENCE]);
      const authorized =
        (mode === 'Key' && (bearer === endpoint.keys.primaryKey || bearer === endpoint.keys.secondaryKey)) ||
        (mode === 'AMLToken' && amlToken?.endpoint === endpoint.name && amlToken.expiresAt > Date.now()) ||
        (mode === 'AADToken' && aad !== undefined);
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

export const onlineEndpoints: ResourceFamily = { name: 'online endpoints', routes: ({ state }) => [...endpointRoutes(state), ...scoringRoutes(state)] };
