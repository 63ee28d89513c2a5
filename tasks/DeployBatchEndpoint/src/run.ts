import {
  deleteBatchDeployment,
  deleteBatchEndpoint,
  ensureBatchEndpoint,
  getBatchDeployment,
  putBatchDeployment,
  setDefaultDeployment,
  type BatchDeploymentResource,
} from '../../../shared/aml/batch-endpoints';
import { computeIdOfType } from '../../../shared/aml/computes';
import { DatastoreBlobs } from '../../../shared/aml/datastore-blobs';
import { checkWorkspace } from '../../../shared/aml/workspace';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import type { Wait } from '../../../shared/azure/lro';
import { requireEnvironmentAndCode } from '../../../shared/deploy/deployment-source';
import { resolveModelChoice } from '../../../shared/deploy/model-registration';
import { referencedAssetId, resolveEnvironment, uploadScoringCode } from '../../../shared/deploy/model-source';
import { errorMessage } from '../../../shared/errors';
import { inGroup } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { TaskDeps } from '../../../shared/task-deps';
import type { OutputName } from '../contract.generated';
import type { BatchParams } from './inputs';
import { report } from './report';

/** What the deployment runs: model, environment and code (registered or uploaded first), or the pipeline component. */
async function deploymentProperties(params: BatchParams, deps: TaskDeps<OutputName>, computeId: string | undefined) {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  if (params.component) {
    const componentId = await referencedAssetId(clients, params.workspace, params.component);
    const settings = { ...params.jobSettings, ...(params.computeName ? { default_compute: params.computeName } : {}) };
    return {
      what: `pipeline component ${componentId.split('/').slice(-3).join(' ').replace(' versions ', ' v')}`,
      properties: {
        ...params.settings,
        ...(computeId ? { compute: computeId } : {}),
        deploymentConfiguration: {
          deploymentConfigurationType: 'PipelineComponent',
          componentId: { referenceType: 'Id', assetId: componentId },
          settings,
          tags: params.tags,
        },
      },
    };
  }
  const source = params.source as NonNullable<BatchParams['source']>;
  const storage = new DataPlaneClient(clock, (m) => platform.info(m));
  const openBlobs = DatastoreBlobs.lazy(clients, params.workspace, storage, (s) => platform.setSecret(s));
  const model = await resolveModelChoice(clients, params.workspace, source.model, `${params.endpointName}-model`, openBlobs, params.tags);
  if (model.outcome !== 'referenced')
    platform.info(`Model ${model.name} v${model.version}: ${model.outcome === 'registered' ? 'registered' : 'unchanged, reused'}.`);
  if (model.type !== 'MLFlowModel') requireEnvironmentAndCode(source.environment, source.code, `model ${model.name} v${model.version} (not an MLflow model)`);
  const environmentId = source.environment
    ? await resolveEnvironment(clients, params.workspace, source.environment, `${model.name}-batch`, params.tags, openBlobs)
    : undefined;
  const code = source.code ? await uploadScoringCode(clients, params.workspace, source.code.dir, storage) : undefined;
  return {
    what: `model ${model.name} v${model.version}`,
    properties: {
      compute: computeId,
      model: { referenceType: 'Id', assetId: model.id },
      ...(environmentId ? { environmentId } : {}),
      ...(code && source.code ? { codeConfiguration: { codeId: code.id, scoringScript: source.code.scoringScript } } : {}),
      ...params.settings,
    },
  };
}

/** Whether the deployment there already has every property this run would send. */
function unchanged(existing: BatchDeploymentResource | undefined, body: BatchDeploymentResource): boolean {
  if (!existing) return false;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const resources = (p: Record<string, unknown>) => ({ instanceCount: 1, ...(p.resources as object) });
  return Object.entries(body.properties).every(([k, v]) =>
    k === 'resources' ? same(resources(existing.properties), resources(body.properties)) : same(existing.properties[k], v),
  );
}

async function removeWhatThisRunCreated(params: BatchParams, deps: TaskDeps<OutputName>, wait: Wait, made: { deployment: boolean; endpoint: boolean }) {
  const clients = deps.arm(params.connection);
  try {
    if (made.endpoint) {
      await deleteBatchEndpoint(clients, params.workspace, params.endpointName, wait);
      deps.platform.info(`Removed the batch endpoint '${params.endpointName}' this run created.`);
    } else if (made.deployment) {
      await deleteBatchDeployment(clients, params.workspace, params.endpointName, params.deploymentName, wait);
      deps.platform.info(`Removed the deployment '${params.deploymentName}' this run created.`);
    }
  } catch (err) {
    deps.platform.warning(`Could not remove what this run created: ${errorMessage(err)}`);
  }
}

export async function run(params: BatchParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const wait: Wait = { deadlineMs: params.deadlineMs, clock, progress: (m) => platform.info(m) };
  const workspace = await checkWorkspace(clients, params.workspace);
  const computeId = params.computeName ? await computeIdOfType(clients, params.workspace, params.computeName, 'AmlCompute') : undefined;
  const { what, properties } = await deploymentProperties(params, deps, computeId);
  const { endpoint, created } = await inGroup(platform, `Batch endpoint ${params.endpointName}`, () =>
    ensureBatchEndpoint(
      clients,
      params.workspace,
      { name: params.endpointName, location: workspace.location, description: params.endpointDescription, tags: params.tags },
      wait,
    ),
  );
  if (created) platform.info(`Created batch endpoint ${params.endpointName}.`);
  const body: BatchDeploymentResource = {
    location: endpoint.location,
    tags: { ...params.deploymentTags, ...params.tags },
    properties: { ...(params.description ? { description: params.description } : {}), ...properties },
  };
  const existing = await getBatchDeployment(clients, params.workspace, params.endpointName, params.deploymentName);
  let change: 'created' | 'updated' | 'unchanged' = existing ? 'updated' : 'created';
  if (unchanged(existing, body)) {
    change = 'unchanged';
    platform.info(`Deployment '${params.deploymentName}' already runs ${what} with these settings: not updated.`);
  } else {
    await inGroup(platform, `Deployment ${params.deploymentName}`, () =>
      putBatchDeployment(clients, params.workspace, params.endpointName, params.deploymentName, body, wait),
    ).catch(async (err: unknown) => {
      await removeWhatThisRunCreated(params, deps, wait, { deployment: !existing, endpoint: created });
      throw err;
    });
  }
  // An endpoint without a default cannot be invoked without naming a deployment: its first one becomes the default.
  const current = endpoint.properties.defaults?.deploymentName ?? undefined;
  const makeDefault = current !== params.deploymentName && (params.setDefault || !current);
  const final = makeDefault ? await setDefaultDeployment(clients, params.workspace, params.endpointName, params.deploymentName, wait) : endpoint;
  const defaultDeployment = final.properties.defaults?.deploymentName ?? current;
  const invocationUri = final.properties.scoringUri ?? endpoint.properties.scoringUri ?? '';
  report(params, platform, { what, change, defaultDeployment: defaultDeployment ?? undefined, invocationUri });
  return {
    outcome: 'Succeeded',
    message: `${what} ${change === 'unchanged' ? 'already deployed' : change} as batch deployment '${params.deploymentName}' on '${params.endpointName}'${defaultDeployment === params.deploymentName ? ' (default)' : ''}.`,
  };
}
