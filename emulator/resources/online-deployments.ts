import { asyncOperationHeaders, locationHeaders, page, systemData, whenIdle, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { assetResourceById } from '../kit/aml-registry';
import { workspaceId, type Deployment, type EmulatorState, type Workspace } from '../kit/state';
import { imageProblem, notReady, whatItRuns } from './deployment-runtime';
import { lastLines, startScoringServer, stopper } from '../runtime/inference-server';
import type { ResourceFamily } from './family';
import { endpointOf } from './online-endpoints';

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
  if (!DEPLOYMENT_NAME.test(name))
    fail(400, 'ValidationError', `Deployment name '${name}' must be 3-32 letters, digits and '-', starting and ending with a letter or digit.`, 'name');
  const body = (req.body ?? {}) as { location?: string; sku?: unknown; tags?: Record<string, string>; properties?: Record<string, any> };
  const props = body.properties ?? {};
  const kind = String(props.endpointComputeType ?? '');
  const endpointCompute = (ep.resource.properties as Record<string, unknown>).compute;
  if (kind === 'Kubernetes' && !endpointCompute)
    fail(400, 'ValidationError', 'A Kubernetes deployment needs an endpoint on a Kubernetes compute.', 'properties.endpointComputeType');
  // "Models from the Model Catalog and Registry aren't supported on Kubernetes online endpoints" (Azure ML docs).
  if (kind === 'Kubernetes' && /^azureml:\/\/registries\//i.test(String(props.model ?? '')))
    fail(
      400,
      'ValidationError',
      `Models from registries are not supported on Kubernetes online endpoints ('${props.model}'); deploy to a managed online endpoint.`,
      'properties.model',
    );
  if (kind !== 'Kubernetes' && kind !== 'Managed')
    fail(400, 'ValidationError', `endpointComputeType must be Managed or Kubernetes, not '${kind}'.`, 'properties.endpointComputeType');
  const plan = whatItRuns(state, ws, props);
  const existing = ep.deployments.get(name);
  await existing?.stop?.();
  const unhealthy = state.unhealthyDeployments.has(name);
  const noImage = imageProblem(state, props);
  const cannotRun = 'cannotRun' in plan ? plan.cannotRun : undefined;
  const server =
    unhealthy || noImage || 'cannotRun' in plan
      ? undefined
      : await startScoringServer(state, `${ep.name}-${name}`, {
          ...plan.run,
          environmentVariables: { ...plan.run.environmentVariables, ...(props.environmentVariables ?? {}) },
        });
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
  const notes = 'notes' in plan && plan.notes.length ? `${plan.notes.join('\n')}\n` : '';
  const logs = () =>
    noImage
      ? `${noImage}\n`
      : cannotRun
        ? `${cannotRun}\n`
        : unhealthy
          ? 'Starting inference server...\nReadiness probe failed: GET / returned 502 (container restarting).\n'
          : `${notes}${server?.logs() ?? ''}`;
  const record: Deployment = { name, healthy, resource, port: server?.port, logs, stop: server ? stopper(server) : async () => undefined };
  ep.deployments.set(name, record);
  if (server) state.stopOnClose.push(record.stop as () => Promise<void>);
  const conda = props.environmentId ? assetResourceById(state, String(props.environmentId))?.properties.condaFile : undefined;
  const failure = noImage
    ? { code: 'ImageBuildFailure', message: noImage }
    : cannotRun
      ? { code: 'DeploymentFailed', message: cannotRun }
      : healthy
        ? undefined
        : { code: 'ResourceNotReady', message: notReady(name, server?.missingModule(), conda, 'run' in plan ? plan.run.mlflow?.loader : undefined) };
  const opId = state.startOperation({
    outcome: failure ? 'Failed' : 'Succeeded',
    error: failure,
    resource: req.path.toLowerCase(),
    complete: () => (resource.properties.provisioningState = 'Succeeded'),
  });
  if (failure) resource.properties.provisioningState = 'Failed';
  return json(existing ? 200 : 201, resource, asyncOperationHeaders(state, req, 'Microsoft.MachineLearningServices', ws.location, opId));
}

const EP = `${WS}/onlineEndpoints/{name}/deployments`;

/** Online deployments that really serve the scoring script, with their logs. */
function deploymentRoutes(state: EmulatorState): Route[] {
  return [
    route(
      'PUT',
      `${EP}/{deployment}`,
      whenIdle(state, (req) => putDeployment(state, req)),
    ),
    route('GET', `${EP}/{deployment}`, (req) => json(200, deploymentOf(state, req).resource)),
    route('GET', EP, (req) =>
      page(
        req,
        [...endpointOf(state, req).deployments.values()].filter((d) => d.resource).map((d) => d.resource),
        state.pageSize,
      ),
    ),
    route(
      'PATCH',
      `${EP}/{deployment}`,
      whenIdle(state, (req) => {
        const d = deploymentOf(state, req);
        const body = (req.body ?? {}) as Record<string, any>;
        if (body.tags) d.resource = { ...d.resource, tags: body.tags };
        if (body.sku) d.resource = { ...d.resource, sku: body.sku };
        const opId = state.startOperation({ outcome: 'Succeeded', resource: req.path.toLowerCase(), complete: () => undefined });
        return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', String(d.resource?.location), opId) };
      }),
    ),
    route(
      'DELETE',
      `${EP}/{deployment}`,
      whenIdle(state, (req) => {
        const ep = endpointOf(state, req);
        const d = ep.deployments.get(req.params.deployment);
        if (!d?.resource) return { status: 204 };
        const traffic = ((ep.resource.properties as Record<string, unknown>).traffic ?? {}) as Record<string, number>;
        if ((traffic[d.name] ?? 0) > 0)
          fail(400, 'BadArgument', `Deployment '${d.name}' has ${traffic[d.name]}% traffic; move its traffic before deleting it.`);
        const opId = state.startOperation({
          outcome: 'Succeeded',
          resource: req.path.toLowerCase(),
          complete: () => {
            ep.deployments.delete(d.name);
            (ep.resource.properties as Record<string, unknown>).traffic = Object.fromEntries(Object.entries(traffic).filter(([n]) => n !== d.name));
            void d.stop?.();
          },
        });
        return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', String(d.resource.location), opId) };
      }),
    ),
    route('POST', `${EP}/{deployment}/getLogs`, (req) => {
      const d = deploymentOf(state, req);
      return json(200, { content: lastLines(d.logs?.() ?? '', Number(((req.body ?? {}) as { tail?: number }).tail ?? 0)) });
    }),
  ];
}

export const onlineDeployments: ResourceFamily = { name: 'online deployments', routes: ({ state }) => deploymentRoutes(state) };
