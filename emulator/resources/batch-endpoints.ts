import { randomUUID } from 'node:crypto';
import { asyncOperationHeaders, baseUrl, locationHeaders, page, systemData, whenIdle, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { ML_AUDIENCE, workspaceId, type EmulatorState } from '../kit/state';
import { startBatchJob } from '../runtime/batch-scoring';
import { batchDeploymentRoutes } from './batch-deployments';
import { batchEndpointKey, batchEndpointOf } from './batch-lookup';
import type { ResourceFamily } from './family';

const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

/** PUT of a batch endpoint: Entra (AADToken) auth only, and a default deployment that exists. */
function putBatchEndpoint(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const name = req.params.name;
  if (!ENDPOINT_NAME.test(name))
    fail(400, 'ValidationError', `Endpoint name '${name}' must be 3-32 characters, start with a letter, and contain only letters, digits and '-'.`, 'name');
  const body = (req.body ?? {}) as { location?: string; tags?: Record<string, string>; identity?: unknown; properties?: Record<string, any> };
  const props = body.properties ?? {};
  if (String(props.authMode ?? '') !== 'AADToken')
    fail(400, 'ValidationError', `Batch endpoints support only the AADToken auth mode, not '${props.authMode ?? ''}'.`, 'properties.authMode');
  const key = batchEndpointKey(ws, name);
  const existing = state.batchEndpoints.get(key);
  const defaultDeployment = props.defaults?.deploymentName as string | undefined;
  if (defaultDeployment && !existing?.deployments.has(defaultDeployment))
    fail(400, 'BadArgument', `The default deployment '${defaultDeployment}' does not exist on batch endpoint '${name}'.`, 'properties.defaults.deploymentName');
  const resource = {
    id: `${workspaceId(ws)}/batchEndpoints/${name}`,
    name,
    type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints',
    location: body.location ?? ws.location,
    kind: 'Batch',
    tags: body.tags ?? {},
    identity: body.identity ?? { type: 'SystemAssigned', principalId: randomUUID(), tenantId: state.tenantId },
    systemData: systemData(existing?.resource.systemData),
    properties: {
      description: props.description,
      properties: props.properties ?? {},
      authMode: 'AADToken',
      defaults: { deploymentName: defaultDeployment ?? null },
      scoringUri: `${baseUrl(req)}/batch/${name}/jobs`,
      swaggerUri: `${baseUrl(req)}/batch/${name}/swagger.json`,
      provisioningState: existing ? 'Updating' : 'Creating',
    },
  };
  const endpoint = existing ?? { workspace: ws, name, resource, deployments: new Map() };
  endpoint.resource = resource;
  state.batchEndpoints.set(key, endpoint);
  const opId = state.startOperation({
    outcome: 'Succeeded',
    resource: req.path.toLowerCase(),
    complete: () => (resource.properties.provisioningState = 'Succeeded'),
  });
  return json(existing ? 200 : 201, resource, asyncOperationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId));
}

function deleteBatchEndpoint(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const key = batchEndpointKey(ws, req.params.name);
  const endpoint = state.batchEndpoints.get(key);
  if (!endpoint) return { status: 204 };
  endpoint.resource.properties.provisioningState = 'Deleting';
  const opId = state.startOperation({ outcome: 'Succeeded', resource: req.path.toLowerCase(), complete: () => state.batchEndpoints.delete(key) });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId) };
}

function endpointRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', `${WS}/batchEndpoints`, (req) => {
      const ws = workspaceOf(state, req);
      return page(
        req,
        [...state.batchEndpoints.values()].filter((e) => e.workspace === ws).map((e) => e.resource),
        state.pageSize,
      );
    }),
    route('GET', `${WS}/batchEndpoints/{name}`, (req) => json(200, batchEndpointOf(state, req).resource)),
    route(
      'PUT',
      `${WS}/batchEndpoints/{name}`,
      whenIdle(state, (req) => putBatchEndpoint(state, req)),
    ),
    route(
      'DELETE',
      `${WS}/batchEndpoints/{name}`,
      whenIdle(state, (req) => deleteBatchEndpoint(state, req)),
    ),
  ];
}

/**
 * The invocation URL (`scoringUri`, POST .../jobs): an Entra token for Azure ML (audience https://ml.azure.com), the
 * deployment from the `azureml-model-deployment` header or the endpoint's default, inputs as `InputData`. The answer
 * is the batch job, which then runs; `GET .../jobs/{job}` reads it as ARM's job GET does.
 */
function invocationRoutes(state: EmulatorState, certFile: string): Route[] {
  const find = (name: string) => [...state.batchEndpoints.values()].find((e) => e.name.toLowerCase() === name.toLowerCase());
  const authorized = (req: EmulatorRequest) => state.validToken(req.headers.authorization, [ML_AUDIENCE]) !== undefined;
  return [
    route('POST', '/batch/{name}/jobs', (req) => {
      const endpoint = find(req.params.name);
      if (!endpoint) return json(404, { error: { code: 'NotFound', message: `Batch endpoint '${req.params.name}' not found.` } });
      if (!authorized(req))
        return json(401, { error: { code: 'Unauthorized', message: `A valid Entra token for ${ML_AUDIENCE} is required to invoke a batch endpoint.` } });
      const header = req.headers['azureml-model-deployment'];
      const chosen = typeof header === 'string' && header ? header : (endpoint.resource.properties.defaults?.deploymentName as string | null);
      if (!chosen)
        return json(400, {
          error: {
            code: 'BadRequest',
            message: `Batch endpoint '${endpoint.name}' has no default deployment; name one in the azureml-model-deployment header.`,
          },
        });
      const deployment = endpoint.deployments.get(chosen);
      if (!deployment) return json(404, { error: { code: 'NotFound', message: `Deployment '${chosen}' not found on batch endpoint '${endpoint.name}'.` } });
      if (deployment.properties.provisioningState !== 'Succeeded')
        return json(409, {
          error: { code: 'Conflict', message: `Deployment '${chosen}' is ${deployment.properties.provisioningState}; invoke it when it has succeeded.` },
        });
      const job = startBatchJob(state, certFile, baseUrl(req), endpoint, deployment, (req.body ?? {}) as Record<string, any>);
      return json(200, job.resource);
    }),
    route('GET', '/batch/{name}/jobs/{job}', (req) => {
      const endpoint = find(req.params.name);
      if (!endpoint || !authorized(req))
        return json(endpoint ? 401 : 404, { error: { code: endpoint ? 'Unauthorized' : 'NotFound', message: 'Not found or not allowed.' } });
      const job = state.jobs.get(`${workspaceId(endpoint.workspace)}/jobs/${req.params.job}`.toLowerCase());
      return job ? json(200, job.resource) : json(404, { error: { code: 'NotFound', message: `Job '${req.params.job}' not found.` } });
    }),
  ];
}

export const batchEndpoints: ResourceFamily = {
  name: 'batch endpoints',
  routes: ({ state, certFile }) => [...endpointRoutes(state), ...batchDeploymentRoutes(state), ...invocationRoutes(state, certFile)],
};
