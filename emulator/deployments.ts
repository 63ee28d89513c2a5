import * as path from 'node:path';
import { apiVersionOf, baseUrl, locationHeaders, page, systemData, workspaceId, workspaceOf, WS } from './arm';
import { assetById, writeCodeFolder } from './assets';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from './http';
import { startInferenceServer } from './inference-server';
import { modelFiles } from './models';
import type { Deployment, EmulatorState, OnlineEndpoint, Workspace } from './state';

export function seedComputes(state: EmulatorState): void {
  const ws = state.defaultWorkspace;
  const id = (name: string) => `${workspaceId(ws)}/computes/${name}`;
  state.computes.set('aks-prod', {
    name: 'aks-prod',
    resource: {
      id: id('aks-prod'),
      name: 'aks-prod',
      type: 'Microsoft.MachineLearningServices/workspaces/computes',
      location: ws.location,
      properties: {
        computeType: 'Kubernetes',
        isAttachedCompute: true,
        provisioningState: 'Succeeded',
        resourceId: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/aks-prod`,
        properties: { namespace: 'azureml', defaultInstanceType: 'defaultinstancetype', instanceTypes: { defaultinstancetype: { resources: { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '1', memory: '2Gi' } } } } },
      },
    },
  });
  state.computes.set('cpu-cluster', {
    name: 'cpu-cluster',
    resource: { id: id('cpu-cluster'), name: 'cpu-cluster', type: 'Microsoft.MachineLearningServices/workspaces/computes', location: ws.location, properties: { computeType: 'AmlCompute', provisioningState: 'Succeeded', properties: { vmSize: 'STANDARD_DS3_V2' } } },
  });
}

function endpointOf(state: EmulatorState, req: EmulatorRequest): OnlineEndpoint {
  const ws = workspaceOf(state, req);
  const ep = state.onlineEndpoints.get(`${workspaceId(ws)}/onlineEndpoints/${req.params.name}`.toLowerCase());
  if (!ep) fail(404, 'ResourceNotFound', `Online endpoint '${req.params.name}' was not found in workspace '${ws.name}'.`, req.params.name);
  return ep;
}

function deploymentOf(state: EmulatorState, req: EmulatorRequest): Deployment {
  const ep = endpointOf(state, req);
  const d = ep.deployments.get(req.params.deployment);
  if (!d?.resource) fail(404, 'ResourceNotFound', `Deployment '${req.params.deployment}' was not found on endpoint '${ep.name}'.`, req.params.deployment);
  return d;
}

const DEPLOYMENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

async function putDeployment(state: EmulatorState, req: EmulatorRequest): Promise<EmulatorResponse> {
  const ws: Workspace = workspaceOf(state, req);
  const ep = endpointOf(state, req);
  const name = req.params.deployment;
  if (!DEPLOYMENT_NAME.test(name)) fail(400, 'ValidationError', `Deployment name '${name}' must be 3-32 letters, digits and '-', starting and ending with a letter or digit.`, 'name');
  const body = (req.body ?? {}) as { location?: string; sku?: unknown; tags?: Record<string, string>; properties?: Record<string, any> };
  const props = body.properties ?? {};
  const kind = String(props.endpointComputeType ?? '');
  const endpointCompute = (ep.resource.properties as Record<string, unknown>).compute;
  if (kind === 'Kubernetes' && !endpointCompute) fail(400, 'ValidationError', 'A Kubernetes deployment needs an endpoint on a Kubernetes compute.', 'properties.endpointComputeType');
  if (kind !== 'Kubernetes' && kind !== 'Managed') fail(400, 'ValidationError', `endpointComputeType must be Managed or Kubernetes, not '${kind}'.`, 'properties.endpointComputeType');
  const environment = assetById(state, String(props.environmentId ?? ''));
  if (!environment) fail(400, 'ValidationError', `Environment '${props.environmentId}' was not found.`, 'properties.environmentId');
  // A model package's environment carries model, code and server: deployed as it is, without model or code.
  const pkg = state.packages.get(String(environment.resource.properties.image ?? ''));
  let run: { codeUri: string; scoringScript: string; modelDir?: string; environmentVariables: Record<string, string> };
  if (pkg) {
    if (props.model || props.codeConfiguration) fail(400, 'ValidationError', 'A deployment of a model package environment takes no model or codeConfiguration: the package already holds them.', 'properties.model');
    run = { codeUri: String(assetById(state, pkg.codeId)?.resource.properties.codeUri ?? ''), scoringScript: pkg.scoringScript, modelDir: pkg.modelDir, environmentVariables: pkg.environmentVariables };
  } else {
    const model = state.modelVersions.get(String(props.model ?? '').replace(/\/versions\/[^/]+$/, '').toLowerCase())?.find((v) => String(props.model).toLowerCase().endsWith(`/versions/${v.version}`.toLowerCase()));
    if (!model) fail(400, 'ValidationError', `Model '${props.model}' was not found.`, 'properties.model');
    const code = assetById(state, String(props.codeConfiguration?.codeId ?? ''));
    if (!code) fail(400, 'ValidationError', `Code '${props.codeConfiguration?.codeId}' was not found.`, 'properties.codeConfiguration.codeId');
    run = { codeUri: String(code.resource.properties.codeUri), scoringScript: String(props.codeConfiguration?.scoringScript ?? 'score.py'), modelDir: modelFiles(state, ws, String(model.resource.properties.modelUri)), environmentVariables: {} };
  }
  const existing = ep.deployments.get(name);
  await existing?.stop?.();
  const workDir = path.join(state.jobsRoot, '..', 'deployments', `${ep.name}-${name}-${Date.now()}`);
  const codeDir = path.join(workDir, 'code');
  writeCodeFolder(state, run.codeUri, codeDir);
  const modelDir = run.modelDir ?? workDir;
  const unhealthy = state.unhealthyDeployments.has(name);
  const server = unhealthy ? undefined : await startInferenceServer(workDir, codeDir, run.scoringScript, modelDir, { ...run.environmentVariables, ...(props.environmentVariables ?? {}) });
  const healthy = server?.port !== undefined;
  const resource = {
    id: `${workspaceId(ws)}/onlineEndpoints/${ep.name}/deployments/${name}`,
    name,
    type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
    location: body.location ?? ws.location,
    kind: kind === 'Kubernetes' ? 'K8S' : 'Managed',
    sku: body.sku ?? { name: 'Default', capacity: props.scaleSettings?.minInstances ?? 1 },
    tags: body.tags ?? {},
    systemData: systemData(existing?.resource?.systemData),
    properties: { ...props, provisioningState: existing ? 'Updating' : 'Creating' },
  };
  const logs = () => (unhealthy ? 'Starting inference server...\nReadiness probe failed: GET / returned 502 (container restarting).\n' : server?.logs() ?? '');
  const record: Deployment = { name, healthy, resource, port: server?.port, logs, stop: async () => void (server && !server.exited() && server.process.kill('SIGKILL')) };
  ep.deployments.set(name, record);
  if (server) state.stopOnClose.push(record.stop as () => Promise<void>);
  const failure = healthy ? undefined : { code: 'ResourceNotReady', message: `User container has crashed or terminated: the readiness probe of deployment '${name}' failed. See the deployment logs.` };
  const opId = state.startOperation({
    outcome: failure ? 'Failed' : 'Succeeded',
    error: failure,
    complete: () => (resource.properties.provisioningState = 'Succeeded'),
  });
  if (failure) resource.properties.provisioningState = 'Failed';
  const sub = req.params.sub;
  return json(existing ? 200 : 201, resource, {
    'Azure-AsyncOperation': `${baseUrl(req)}/subscriptions/${sub}/providers/Microsoft.MachineLearningServices/locations/${ws.location}/mfeOperationsStatus/${opId}?api-version=${apiVersionOf(req)}`,
    'x-ms-async-operation-timeout': 'PT1H',
    'Retry-After': String(state.retryAfterSeconds),
  });
}

const EP = `${WS}/onlineEndpoints/{name}/deployments`;

/** Online deployments that really serve the scoring script; computes; deployment logs. */
export function deploymentRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', `${WS}/computes/{compute}`, (req) => {
      workspaceOf(state, req);
      const c = state.computes.get(req.params.compute.toLowerCase());
      if (!c) fail(404, 'ResourceNotFound', `Compute '${req.params.compute}' was not found in the workspace.`, req.params.compute);
      return json(200, c.resource);
    }),
    route('PUT', `${EP}/{deployment}`, (req) => putDeployment(state, req)),
    route('GET', `${EP}/{deployment}`, (req) => json(200, deploymentOf(state, req).resource)),
    route('GET', EP, (req) => page(req, [...endpointOf(state, req).deployments.values()].filter((d) => d.resource).map((d) => d.resource), state.pageSize)),
    route('PATCH', `${EP}/{deployment}`, (req) => {
      const d = deploymentOf(state, req);
      const body = (req.body ?? {}) as Record<string, any>;
      if (body.tags) d.resource = { ...d.resource, tags: body.tags };
      if (body.sku) d.resource = { ...d.resource, sku: body.sku };
      const opId = state.startOperation({ outcome: 'Succeeded', complete: () => undefined });
      return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', String(d.resource?.location), opId) };
    }),
    route('DELETE', `${EP}/{deployment}`, (req) => {
      const ep = endpointOf(state, req);
      const d = ep.deployments.get(req.params.deployment);
      if (!d?.resource) return { status: 204 };
      const traffic = ((ep.resource.properties as Record<string, unknown>).traffic ?? {}) as Record<string, number>;
      if ((traffic[d.name] ?? 0) > 0) fail(400, 'BadArgument', `Deployment '${d.name}' has ${traffic[d.name]}% traffic; move its traffic before deleting it.`);
      const opId = state.startOperation({
        outcome: 'Succeeded',
        complete: () => {
          ep.deployments.delete(d.name);
          delete traffic[d.name];
          void d.stop?.();
        },
      });
      return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', String(d.resource.location), opId) };
    }),
    route('POST', `${EP}/{deployment}/getLogs`, (req) => {
      const d = deploymentOf(state, req);
      const tail = Number(((req.body ?? {}) as { tail?: number }).tail ?? 0);
      const lines = (d.logs?.() ?? '').split('\n');
      return json(200, { content: (tail > 0 ? lines.slice(-tail - 1) : lines).join('\n') });
    }),
  ];
}
