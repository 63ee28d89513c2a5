import { assetResourceById } from '../kit/aml-registry';
import { asyncOperationHeaders, locationHeaders, page, prop, systemData, whenIdle, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import type { EmulatorState } from '../kit/state';
import { codeFolderBlobs } from '../runtime/code-folders';
import { batchEndpointOf, batchModel } from './batch-lookup';

const OUTPUT_ACTIONS = ['AppendRow', 'SummaryOnly'];
const LOGGING_LEVELS = ['Info', 'Warning', 'Debug'];
const DURATION = /^P(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)$/;

function requireInt(value: unknown, min: number, target: string): void {
  if (value === undefined || value === null) return;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(400, 'ValidationError', `${target} must be a whole number of at least ${min}, not '${value}'.`, target);
}

/** A compute cluster (AmlCompute) of the workspace: batch deployments do not run on Kubernetes or instances. */
function checkCompute(state: EmulatorState, compute: unknown): void {
  if (typeof compute !== 'string' || !compute)
    fail(400, 'ValidationError', 'compute is required: the compute cluster the batch jobs run on.', 'properties.compute');
  const name =
    compute
      .split('/')
      .pop()
      ?.replace(/^azureml:/, '')
      .toLowerCase() ?? '';
  const found = state.computes.get(name);
  if (!found) fail(400, 'ValidationError', `Compute '${compute}' was not found in the workspace.`, 'properties.compute');
  const type = (found.resource.properties as Record<string, any> | undefined)?.computeType;
  if (type !== 'AmlCompute')
    fail(400, 'ValidationError', `Compute '${name}' is ${type}; batch deployments run on compute clusters (AmlCompute).`, 'properties.compute');
}

/** Model, environment and scoring code of a model deployment, as the service resolves them. */
function checkModelDeployment(state: EmulatorState, props: Record<string, any>): void {
  const assetId = props.model?.assetId;
  if (props.model?.referenceType !== 'Id' || typeof assetId !== 'string')
    fail(400, 'ValidationError', 'model must be {referenceType: "Id", assetId: <model version id>}.', 'properties.model');
  const model = batchModel(state, assetId);
  if (!model) fail(404, 'ResourceNotFound', `Model '${assetId}' was not found.`, 'properties.model');
  const code = props.codeConfiguration;
  if (!code && model.properties.modelType !== 'MLFlowModel')
    fail(
      400,
      'ValidationError',
      'A model that is not an MLflow model needs codeConfiguration (codeId and scoringScript) and an environmentId.',
      'properties.codeConfiguration',
    );
  if (code) {
    const asset = assetResourceById(state, String(code.codeId ?? ''));
    if (!asset) fail(404, 'ResourceNotFound', `Code '${code.codeId}' was not found.`, 'properties.codeConfiguration.codeId');
    if (!codeFolderBlobs(state, asset.properties.codeUri).has(String(code.scoringScript ?? '')))
      fail(400, 'ValidationError', `The scoring script '${code.scoringScript}' is not in code '${code.codeId}'.`, 'properties.codeConfiguration.scoringScript');
    if (!props.environmentId) fail(400, 'ValidationError', 'environmentId is required with codeConfiguration.', 'properties.environmentId');
  }
  if (props.environmentId && !assetResourceById(state, String(props.environmentId)))
    fail(404, 'ResourceNotFound', `Environment '${props.environmentId}' was not found.`, 'properties.environmentId');
  if (props.outputAction !== undefined && !OUTPUT_ACTIONS.includes(props.outputAction))
    fail(400, 'ValidationError', `outputAction must be one of ${OUTPUT_ACTIONS.join(', ')}, not '${props.outputAction}'.`, 'properties.outputAction');
  if (props.loggingLevel !== undefined && !LOGGING_LEVELS.some((l) => l.toLowerCase() === String(props.loggingLevel).toLowerCase()))
    fail(400, 'ValidationError', `loggingLevel must be one of ${LOGGING_LEVELS.join(', ')}.`, 'properties.loggingLevel');
  requireInt(props.miniBatchSize, 1, 'properties.miniBatchSize');
  requireInt(props.maxConcurrencyPerInstance, 1, 'properties.maxConcurrencyPerInstance');
  requireInt(props.errorThreshold, -1, 'properties.errorThreshold');
  requireInt(props.retrySettings?.maxRetries, 0, 'properties.retrySettings.maxRetries');
  if (props.retrySettings?.timeout !== undefined && !DURATION.test(String(props.retrySettings.timeout)))
    fail(
      400,
      'ValidationError',
      `retrySettings.timeout must be an ISO 8601 duration such as PT30S, not '${props.retrySettings.timeout}'.`,
      'properties.retrySettings.timeout',
    );
}

/** A pipeline-component deployment: a pipeline component that exists, and nothing of a model deployment. */
function checkPipelineDeployment(state: EmulatorState, props: Record<string, any>): void {
  const config = props.deploymentConfiguration as Record<string, any>;
  const assetId = config.componentId?.assetId;
  if (typeof assetId !== 'string')
    fail(400, 'ValidationError', 'deploymentConfiguration.componentId.assetId is required.', 'properties.deploymentConfiguration.componentId');
  const component = assetResourceById(state, assetId);
  if (!component) fail(404, 'ResourceNotFound', `Component '${assetId}' was not found.`, 'properties.deploymentConfiguration.componentId');
  if (component.properties.componentSpec?.type !== 'pipeline')
    fail(400, 'ValidationError', `Component '${assetId}' is not a pipeline component.`, 'properties.deploymentConfiguration.componentId');
  for (const key of ['model', 'codeConfiguration', 'environmentId'])
    if (props[key] !== undefined) fail(400, 'ValidationError', `A pipeline-component deployment takes no ${key}.`, `properties.${key}`);
}

function putBatchDeployment(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const endpoint = batchEndpointOf(state, req);
  const name = req.params.deployment;
  if (!/^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/.test(name))
    fail(400, 'ValidationError', `Deployment name '${name}' must be 3-32 characters, start with a letter, and contain only letters, digits and '-'.`, 'name');
  const body = (req.body ?? {}) as { location?: string; tags?: Record<string, string>; properties?: Record<string, any> };
  const props = body.properties ?? {};
  const pipeline = prop(props.deploymentConfiguration, 'deploymentConfigurationType') === 'PipelineComponent';
  if (props.deploymentConfiguration && !pipeline)
    fail(400, 'ValidationError', 'deploymentConfiguration.deploymentConfigurationType must be PipelineComponent.', 'properties.deploymentConfiguration');
  if (pipeline) checkPipelineDeployment(state, props);
  else checkModelDeployment(state, props);
  if (props.compute !== undefined || !pipeline) checkCompute(state, props.compute);
  requireInt(props.resources?.instanceCount, 1, 'properties.resources.instanceCount');
  const existing = endpoint.deployments.get(name);
  const resource = {
    id: `${endpoint.resource.id}/deployments/${name}`,
    name,
    type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments',
    location: body.location ?? endpoint.workspace.location,
    tags: body.tags ?? {},
    systemData: systemData(existing?.systemData),
    properties: {
      ...(pipeline
        ? {}
        : {
            outputAction: 'AppendRow',
            outputFileName: 'predictions.csv',
            miniBatchSize: 10,
            maxConcurrencyPerInstance: 1,
            errorThreshold: -1,
            loggingLevel: 'Info',
            retrySettings: { maxRetries: 3, timeout: 'PT30S' },
          }),
      ...props,
      resources: { instanceCount: 1, ...(props.resources ?? {}) },
      provisioningState: existing ? 'Updating' : 'Creating',
    },
  };
  endpoint.deployments.set(name, resource);
  const opId = state.startOperation({
    outcome: 'Succeeded',
    resource: req.path.toLowerCase(),
    complete: () => (resource.properties.provisioningState = 'Succeeded'),
  });
  return json(existing ? 200 : 201, resource, asyncOperationHeaders(state, req, 'Microsoft.MachineLearningServices', endpoint.workspace.location, opId));
}

/** The default deployment cannot be deleted: the endpoint's invocations would have nowhere to go. */
function deleteBatchDeployment(state: EmulatorState, req: EmulatorRequest): EmulatorResponse {
  const endpoint = batchEndpointOf(state, req);
  const name = req.params.deployment;
  if (!endpoint.deployments.has(name)) return { status: 204 };
  if (endpoint.resource.properties.defaults?.deploymentName === name)
    fail(
      400,
      'BadArgument',
      `Deployment '${name}' is the default deployment of batch endpoint '${endpoint.name}' and cannot be deleted; set another default first.`,
    );
  const opId = state.startOperation({ outcome: 'Succeeded', resource: req.path.toLowerCase(), complete: () => endpoint.deployments.delete(name) });
  return { status: 202, headers: locationHeaders(state, req, 'Microsoft.MachineLearningServices', endpoint.workspace.location, opId) };
}

export function batchDeploymentRoutes(state: EmulatorState): Route[] {
  const path = `${WS}/batchEndpoints/{name}/deployments`;
  return [
    route('GET', path, (req) => page(req, [...batchEndpointOf(state, req).deployments.values()], state.pageSize)),
    route('GET', `${path}/{deployment}`, (req) => {
      const found = batchEndpointOf(state, req).deployments.get(req.params.deployment);
      if (!found) fail(404, 'ResourceNotFound', `Deployment '${req.params.deployment}' was not found on batch endpoint '${req.params.name}'.`);
      return json(200, found);
    }),
    route(
      'PUT',
      `${path}/{deployment}`,
      whenIdle(state, (req) => (workspaceOf(state, req), putBatchDeployment(state, req))),
    ),
    route(
      'DELETE',
      `${path}/{deployment}`,
      whenIdle(state, (req) => deleteBatchDeployment(state, req)),
    ),
  ];
}
