import { kubernetesComputeId } from '../../../shared/aml/computes';
import {
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
import { resolveEnvironment, resolveModel, uploadScoringCode } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
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

export async function run(params: AksParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const wait: Wait = { deadlineMs: params.deadlineMs, clock, progress: (m) => platform.info(m) };
  for (const warning of params.configWarnings) platform.warning(warning);
  const workspace = await checkWorkspace(clients, params.workspace);
  const computeId = params.computeType === 'kubernetes' ? await kubernetesComputeId(clients, params.workspace, params.computeName as string) : undefined;
  const model = await resolveModel(clients, params.workspace, params.modelName, params.modelVersion, params.productionTag);
  const { endpoint, created } = await inGroup(platform, `Endpoint ${params.endpointName}`, () =>
    ensureEndpoint(
      clients,
      params.workspace,
      { name: params.endpointName, location: workspace.location, authMode: params.authMode, computeId, tags: params.tags },
      wait,
    ),
  );
  if (created) platform.info(`Created online endpoint ${params.endpointName}.`);
  const traffic = { ...(endpoint.properties.traffic ?? {}) };
  const previous = liveDeployment(endpoint);
  const name = params.deploymentName ?? nextColour(previous);

  const environmentId = await resolveEnvironment(clients, params.workspace, params.environment, `${params.modelName}-inference`, params.tags);
  const code = await uploadScoringCode(clients, params.workspace, params.codePath, new DataPlaneClient(clock, (m) => platform.info(m)));
  const { instanceCount, ...settings } = params.settings;
  const body = deploymentBody({
    location: endpoint.location,
    tags: params.tags,
    compute: params.computeType,
    environmentId,
    modelId: model.id,
    code: { codeId: code.id, scoringScript: params.scoringScript },
    instanceCount,
    properties: settings,
  });

  // A re-run whose live deployment already serves this model with this environment, code and settings changes nothing.
  if (previous && traffic[previous] === 100 && (!params.deploymentName || params.deploymentName === previous)) {
    const live = await getDeploymentResource(clients, params.workspace, params.endpointName, previous);
    if (live && sameDeployment(live, body)) {
      platform.info(
        `Deployment '${previous}' already serves ${params.modelName} v${model.name} with this environment, code and settings: nothing to roll out.`,
      );
      report(params, platform, { modelVersion: model.name, deployment: previous, traffic, scoringUri: endpoint.properties.scoringUri as string });
      return {
        outcome: 'Succeeded',
        message: `${params.modelName} v${model.name} is already live as '${previous}' on '${params.endpointName}'; nothing changed.`,
      };
    }
  }
  if (name === previous) throw new InputError('deploymentName', `'${name}' takes the endpoint's traffic now; a safe rollout needs a new deployment name.`);

  const done = await rollOut({ params, platform, clients, wait, endpoint, previous, name, body, label: `${params.modelName} v${model.name}` });
  report(params, platform, { modelVersion: model.name, deployment: name, replaced: previous, traffic: done.traffic, scoringUri: done.scoringUri });
  return {
    outcome: 'Succeeded',
    message: `${params.modelName} v${model.name} deployed as '${name}' on '${params.endpointName}'; traffic ${JSON.stringify(done.traffic)}.`,
  };
}
