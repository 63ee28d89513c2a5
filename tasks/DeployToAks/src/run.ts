import { kubernetesComputeId } from '../../../shared/aml/computes';
import { DatastoreBlobs } from '../../../shared/aml/datastore-blobs';
import {
  deleteDeployment,
  deleteEndpoint,
  deploymentBody,
  ensureEndpoint,
  getDeploymentResource,
  liveDeployment,
  nextColour,
  type DeploymentResource,
} from '../../../shared/aml/online-endpoints';
import { checkWorkspace } from '../../../shared/aml/workspace';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import type { Wait } from '../../../shared/azure/lro';
import { requireEnvironmentAndCode, servesItself } from '../../../shared/deploy/deployment-source';
import { resolveModelChoice } from '../../../shared/deploy/model-registration';
import { resolveEnvironment, uploadScoringCode } from '../../../shared/deploy/model-source';
import { errorMessage, InputError } from '../../../shared/errors';
import { inGroup } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { OutputName } from '../contract.generated';
import type { TaskDeps } from '../../../shared/task-deps';
import type { AksParams } from './inputs';
import { report } from './report';
import { rollOut } from './rollout';

/** Whether a live deployment has every property (and the instance count) the new body asks for. */
function sameDeployment(live: DeploymentResource, body: DeploymentResource): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return Object.entries(body.properties).every(([k, v]) => same(live.properties[k], v)) && (!body.sku || same(live.sku, body.sku));
}

/** Model, environment and code resolved (registered or uploaded when the YAML gives local ones) before anything is deployed. */
async function prepareAssets(params: AksParams, deps: TaskDeps<OutputName>) {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const storage = new DataPlaneClient(clock, (m) => platform.info(m));
  const openBlobs = DatastoreBlobs.lazy(clients, params.workspace, storage, (s) => platform.setSecret(s));
  const model = await resolveModelChoice(clients, params.workspace, params.model, `${params.endpointName}-model`, openBlobs, params.tags);
  if (model.outcome !== 'referenced')
    platform.info(`Model ${model.name} v${model.version}: ${model.outcome === 'registered' ? 'registered' : 'unchanged, reused'}.`);
  if (model.type !== 'MLFlowModel' && !servesItself(params.environment))
    requireEnvironmentAndCode(params.environment, params.code, `model ${model.name} v${model.version} (not an MLflow model)`);
  const environmentId = params.environment
    ? await resolveEnvironment(clients, params.workspace, params.environment, `${model.name}-inference`, params.tags, openBlobs)
    : undefined;
  const code = params.code ? await uploadScoringCode(clients, params.workspace, params.code.dir, storage) : undefined;
  return { model, environmentId, code };
}

/**
 * After a failed rollout (traffic already back where it was), what this run created goes: the new deployment
 * (its logs are printed), and the endpoint when this run created it. What existed before is never touched.
 */
async function removeWhatThisRunCreated(params: AksParams, deps: TaskDeps<OutputName>, made: { deployment?: string; endpoint: boolean }): Promise<void> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const wait: Wait = { deadlineMs: params.deadlineMs, clock, progress: (m) => platform.info(m) };
  try {
    if (made.endpoint) {
      await deleteEndpoint(clients, params.workspace, params.endpointName, wait);
      platform.info(`Removed the endpoint '${params.endpointName}' this run created.`);
    } else if (made.deployment) {
      await deleteDeployment(clients, params.workspace, params.endpointName, made.deployment, wait);
      platform.info(`Removed the deployment '${made.deployment}' this run created.`);
    }
  } catch (err) {
    platform.warning(`Could not remove what this run created: ${errorMessage(err)}`);
  }
}

export async function run(params: AksParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const wait: Wait = { deadlineMs: params.deadlineMs, clock, progress: (m) => platform.info(m) };
  for (const warning of params.configWarnings) platform.warning(warning);
  const workspace = await checkWorkspace(clients, params.workspace);
  const computeId = params.computeType === 'kubernetes' ? await kubernetesComputeId(clients, params.workspace, params.computeName as string) : undefined;
  const { model, environmentId, code } = await prepareAssets(params, deps);
  const label = `${model.name} v${model.version}`;
  const ep = params.endpoint;
  const { endpoint, created } = await inGroup(platform, `Endpoint ${params.endpointName}`, () =>
    ensureEndpoint(
      clients,
      params.workspace,
      {
        name: params.endpointName,
        location: workspace.location,
        authMode: params.authMode,
        computeId,
        tags: { ...(ep?.tags ?? {}), ...params.tags },
        identity: ep?.identity,
        publicNetworkAccess: ep?.publicNetworkAccess,
        description: ep?.description,
      },
      wait,
    ),
  );
  if (created) platform.info(`Created online endpoint ${params.endpointName}.`);
  const traffic = { ...(endpoint.properties.traffic ?? {}) };
  const previous = liveDeployment(endpoint);
  const { instanceCount, ...settings } = params.settings;
  const body = deploymentBody({
    location: endpoint.location,
    tags: { ...params.deploymentTags, ...params.tags },
    compute: params.computeType,
    environmentId,
    modelId: model.id,
    code: code && params.code ? { codeId: code.id, scoringScript: params.code.scoringScript } : undefined,
    instanceCount,
    properties: settings,
  });

  // A re-run whose live deployment already serves this model with this environment, code and settings changes nothing.
  if (previous && traffic[previous] === 100 && (!params.deploymentName || params.deploymentName === previous)) {
    const live = await getDeploymentResource(clients, params.workspace, params.endpointName, previous);
    if (live && sameDeployment(live, body)) {
      platform.info(`Deployment '${previous}' already serves ${label} with this environment, code and settings: nothing to roll out.`);
      report(params, platform, {
        model: { name: model.name, version: model.version },
        deployment: previous,
        traffic,
        scoringUri: endpoint.properties.scoringUri as string,
      });
      return { outcome: 'Succeeded', message: `${label} is already live as '${previous}' on '${params.endpointName}'; nothing changed.` };
    }
  }
  let name = params.deploymentName ?? nextColour(previous);
  if (name === previous) {
    if (!params.deploymentNameFromFile)
      throw new InputError('deploymentName', `'${name}' takes the endpoint's traffic now; a safe rollout needs a new deployment name.`);
    // The file's name is live: the new version goes beside it, so what serves keeps serving until the new one answers.
    name = nextColour(previous);
    platform.info(`The deployment YAML names '${previous}', which takes the traffic now: the new deployment is '${name}'.`);
  }
  const existed = Boolean(await getDeploymentResource(clients, params.workspace, params.endpointName, name));
  const done = await rollOut({ params, platform, clients, wait, endpoint, previous, name, body, label }).catch(async (err: unknown) => {
    await removeWhatThisRunCreated(params, deps, { deployment: existed ? undefined : name, endpoint: created });
    throw err;
  });
  report(params, platform, {
    model: { name: model.name, version: model.version },
    deployment: name,
    replaced: previous,
    traffic: done.traffic,
    scoringUri: done.scoringUri,
  });
  return { outcome: 'Succeeded', message: `${label} deployed as '${name}' on '${params.endpointName}'; traffic ${JSON.stringify(done.traffic)}.` };
}
