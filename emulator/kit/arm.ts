import { ARM_AUDIENCES, audienceOf, type EmulatorState, type Workspace } from './state';
import { armError, fail, HttpError, json, type EmulatorRequest, type EmulatorResponse, type Handler } from './http';

/**
 * The ARM kit every resource family builds on: supported api-versions and the preflight checks, the request's
 * base URL and workspace, paging with nextLink, systemData, long-running-operation headers.
 */
export const API_VERSIONS: Record<string, string[]> = {
  'microsoft.machinelearningservices': [
    '2022-10-01',
    '2023-04-01',
    '2023-04-01-preview',
    '2023-10-01',
    '2024-01-01-preview',
    '2024-04-01',
    '2024-10-01',
    '2025-01-01-preview',
    '2025-06-01',
    '2025-09-01',
    '2025-12-01',
  ],
  'microsoft.containerinstance': ['2021-09-01', '2022-09-01', '2023-05-01', '2024-10-01-preview'],
};

export const WS = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';

/** ARM's own checks, done before routing: a valid bearer token and a supported api-version. */
export function armPreflight(state: EmulatorState, req: EmulatorRequest): EmulatorResponse | undefined {
  const refused = tokenRefusal(state, req);
  if (refused) return refused;
  const action = actionOf(req);
  if (action && state.deniedActions.has(action.toLowerCase())) {
    const principal = state.bearer(req.headers.authorization)?.clientId;
    const scope = req.path.split('/').slice(0, -1).join('/');
    return armError(
      403,
      'AuthorizationFailed',
      `The client '${principal}' with object id '${principal}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  const apiVersion = req.url.searchParams.get('api-version');
  if (!apiVersion) {
    return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  const provider = /\/providers\/([^/]+)/i.exec(req.path)?.[1]?.toLowerCase();
  const supported = provider ? API_VERSIONS[provider] : undefined;
  if (supported && !supported.includes(apiVersion)) {
    return armError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`);
  }
  return undefined;
}

/**
 * The Azure RBAC action a request needs: the provider and resource types of its path, then read, write, delete or
 * the POST action (`.../onlineEndpoints/listKeys/action`).
 */
export function actionOf(req: EmulatorRequest): string | undefined {
  const m = /\/providers\/([^/]+)\/(.+)$/i.exec(req.path);
  if (!m) return undefined;
  const segments = m[2].split('/');
  const types = segments.filter((_, i) => i % 2 === 0);
  if (req.method === 'POST') return `${m[1]}/${types.join('/')}/action`;
  const verb = req.method === 'DELETE' ? 'delete' : req.method === 'GET' ? 'read' : 'write';
  return `${m[1]}/${types.join('/')}/${verb}`;
}

/**
 * ARM's token checks in its order and words (its 401 codes: InvalidAuthenticationToken, ExpiredAuthenticationToken,
 * InvalidAuthenticationTokenTenant, InvalidAuthenticationTokenAudience; see ARM's "troubleshoot authentication"
 * error reference). Tokens another issuer signed are unknown here, so they are invalid.
 */
function tokenRefusal(state: EmulatorState, req: EmulatorRequest): EmulatorResponse | undefined {
  const token = state.bearer(req.headers.authorization);
  if (!token) return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  if (token.expiresAt <= Date.now()) {
    return armError(
      401,
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${new Date(token.expiresAt).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
    );
  }
  if (token.tenantId !== state.tenantId) {
    return armError(
      401,
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer 'https://sts.windows.net/${token.tenantId}/'. It must match the tenant 'https://sts.windows.net/${state.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${state.tenantId}' to get the token.`,
    );
  }
  // ARM takes only tokens minted for itself (the emulator's own origin stands for a cloud's ARM URL).
  const audiences = [...ARM_AUDIENCES, `https://${String(req.headers.host).toLowerCase()}`];
  if (!audiences.includes(audienceOf(token.scope))) {
    return armError(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${audienceOf(token.scope)}'. It should exactly match with one of the allowed audiences '${ARM_AUDIENCES.join("','")}'.`,
    );
  }
  return undefined;
}

/**
 * A write to a resource while an earlier operation on it is still running gets 409, as Azure answers it: ACI's
 * ContainerGroupTransitioning ("still transitioning, please retry later"), ARM's AnotherOperationInProgress for
 * Azure ML endpoints and deployments. The answer carries Retry-After.
 */
export function whenIdle(state: EmulatorState, handler: Handler): Handler {
  return (req) => {
    refuseWhileBusy(state, req);
    return handler(req);
  };
}

export function refuseWhileBusy(state: EmulatorState, req: EmulatorRequest): void {
  if (!state.operationOn(req.path)) return;
  const name = req.path.split('/').pop();
  const error = /containerinstance/i.test(req.path)
    ? armError(409, 'ContainerGroupTransitioning', `The container group '${name}' is still transitioning, please retry later.`)
    : armError(409, 'AnotherOperationInProgress', `Another operation is in progress on '${name}'; retry after it completes.`);
  throw new HttpError({ ...error, headers: { 'Retry-After': String(state.retryAfterSeconds) } });
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

/** A page of `items` with an absolute `nextLink` carrying $skipToken, as ARM lists do. */
export function page<T>(req: EmulatorRequest, items: T[], pageSize: number, render: (item: T) => unknown = (item) => item): EmulatorResponse {
  const start = Number(req.url.searchParams.get('$skipToken') ?? '0') || 0;
  const value = items.slice(start, start + pageSize).map(render);
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

export function asyncOperationHeaders(state: EmulatorState, req: EmulatorRequest, provider: string, location: string, opId: string): Record<string, string> {
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

/** A case-insensitive property read: the wire mixes PascalCase and camelCase for the same member. */
export function prop(obj: Record<string, any> | undefined, name: string): any {
  if (!obj) return undefined;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}
