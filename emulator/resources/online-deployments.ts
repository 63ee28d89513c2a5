import { asyncOperationHeaders, locationHeaders, page, systemData, whenIdle, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { pullRefusal, WORKSPACE_IDENTITY, WORKSPACE_REGISTRY } from '../kit/registries';
import { assetById, workspaceId, type Deployment, type EmulatorState, type Workspace } from '../kit/state';
import { lastLines, startScoringServer, stopper } from '../runtime/inference-server';
import type { ResourceFamily } from './family';
import { modelFiles } from './models';
import { endpointOf } from './online-endpoints';

function deploymentOf(state: EmulatorState, req: EmulatorRequest): Deployment {
  const ep = endpointOf(state, req);
  const d = ep.deployments.get(req.params.deployment);
  if (!d?.resource) fail(404, 'ResourceNotFound', `Deployment '${req.params.deployment}' was not found on endpoint '${ep.name}'.`, req.params.deployment);
  return d;
}

const DEPLOYMENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

type ScoringRun = { codeUri: string; scoringScript: string; modelDir?: string; environmentVariables: Record<string, string> };

/** What a deployment runs: a model package's environment as it is, or a model with its scoring code. */
function whatItRuns(state: EmulatorState, ws: Workspace, props: Record<string, any>): ScoringRun {
  const environment = assetById(state, String(props.environmentId ?? ''));
  if (!environment) fail(400, 'ValidationError', `Environment '${props.environmentId}' was not found.`, 'properties.environmentId');
  // A model package's environment carries model, code and server: deployed as it is, without model or code.
  const pkg = state.packages.get(String(environment.resource.properties.image ?? ''));
  if (pkg) {
    if (props.model || props.codeConfiguration)
      fail(
        400,
        'ValidationError',
        'A deployment of a model package environment takes no model or codeConfiguration: the package already holds them.',
        'properties.model',
      );
    return {
      codeUri: String(assetById(state, pkg.codeId)?.resource.properties.codeUri ?? ''),
      scoringScript: pkg.scoringScript,
      modelDir: pkg.modelDir,
      environmentVariables: pkg.environmentVariables,
    };
  } else {
    const model = state.modelVersions
      .get(
        String(props.model ?? '')
          .replace(/\/versions\/[^/]+$/, '')
          .toLowerCase(),
      )
      ?.find((v) => String(props.model).toLowerCase().endsWith(`/versions/${v.version}`.toLowerCase()));
    if (!model) fail(400, 'ValidationError', `Model '${props.model}' was not found.`, 'properties.model');
    const code = assetById(state, String(props.codeConfiguration?.codeId ?? ''));
    if (!code) fail(400, 'ValidationError', `Code '${props.codeConfiguration?.codeId}' was not found.`, 'properties.codeConfiguration.codeId');
    return {
      codeUri: String(code.resource.properties.codeUri),
      scoringScript: String(props.codeConfiguration?.scoringScript ?? 'score.py'),
      modelDir: modelFiles(state, ws, String(model.resource.properties.modelUri)),
      environmentVariables: {},
    };
  }
}

/**
 * Why the deployment's environment image cannot be had, if it cannot: Azure ML builds every environment on its
 * image and reports a base it cannot pull as ImageBuildFailure (its online endpoint troubleshooting guide). The
 * service pulls from the workspace's own registry with the workspace identity.
 */
function imageProblem(state: EmulatorState, props: Record<string, any>): string | undefined {
  const image = String(assetById(state, String(props.environmentId ?? ''))?.resource.properties.image ?? '');
  const refusal = image ? pullRefusal(state, image, [{ server: WORKSPACE_REGISTRY, identity: WORKSPACE_IDENTITY }]) : undefined;
  return refusal && `The environment image '${image}' could not be pulled: ${refusal}.`;
}

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
  if (kind !== 'Kubernetes' && kind !== 'Managed')
    fail(400, 'ValidationError', `endpointComputeType must be Managed or Kubernetes, not '${kind}'.`, 'properties.endpointComputeType');
  const run = whatItRuns(state, ws, props);
  const existing = ep.deployments.get(name);
  await existing?.stop?.();
  const unhealthy = state.unhealthyDeployments.has(name);
  const noImage = imageProblem(state, props);
  const server =
    unhealthy || noImage
      ? undefined
      : await startScoringServer(state, `${ep.name}-${name}`, {
          ...run,
          environmentVariables: { ...run.environmentVariables, ...(props.environmentVariables ?? {}) },
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
  const logs = () =>
    noImage
      ? `${noImage}\n`
      : unhealthy
        ? 'Starting inference server...\nReadiness probe failed: GET / returned 502 (container restarting).\n'
        : (server?.logs() ?? '');
  const record: Deployment = { name, healthy, resource, port: server?.port, logs, stop: server ? stopper(server) : async () => undefined };
  ep.deployments.set(name, record);
  if (server) state.stopOnClose.push(record.stop as () => Promise<void>);
  const failure = noImage
    ? { code: 'ImageBuildFailure', message: noImage }
    : healthy
      ? undefined
      : {
          code: 'ResourceNotReady',
          message: `User container has crashed or terminated: the readiness probe of deployment '${name}' failed. See the deployment logs.`,
        };
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
