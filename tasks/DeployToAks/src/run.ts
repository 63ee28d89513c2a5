import { checkWorkspace } from '../../../shared/aml/workspace';
import { getEndpointKey, getEndpointToken } from '../../../shared/aml/online-endpoints';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { resolveEnvironment, resolveModel, uploadScoringCode } from '../../../shared/deploy/model-source';
import { deleteDeployment, deploymentLogs, ensureEndpoint, getDeploymentResource, kubernetesComputeId, getEndpointResource, liveDeployment, nextColour, putDeployment, setTraffic, type WaitOptions } from '../../../shared/deploy/online-deployments';
import { AzureError, CheckFailedError, InputError, errorMessage } from '../../../shared/errors';
import { inGroup, printLogTail } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import { sendScoringRequest } from '../../../shared/scoring/http';
import type { TaskDeps } from '../../../shared/task-deps';
import type { AksParams } from './inputs';

const SMOKE_REQUESTS = 3;

/** Whether a live deployment has every property (and the instance count) the new body asks for. */
function sameDeployment(live: { sku?: unknown; properties: Record<string, unknown> }, body: { sku?: unknown; properties: Record<string, unknown> }): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return Object.entries(body.properties).every(([k, v]) => same(live.properties[k], v)) && (!body.sku || same(live.sku, body.sku));
}

export async function run(params: AksParams, deps: TaskDeps): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const wait: WaitOptions = { deadlineMs: params.deadlineMs, clock, progress: (m) => platform.info(m) };
  for (const warning of params.configWarnings) platform.warning(warning);
  const workspace = await checkWorkspace(clients, params.workspace);
  const computeId = params.computeType === 'kubernetes' ? await kubernetesComputeId(clients, params.workspace, params.computeName as string) : undefined;
  const model = await resolveModel(clients, params.workspace, params.modelName, params.modelVersion, params.productionTag);

  const { endpoint, created } = await inGroup(platform, `Endpoint ${params.endpointName}`, () =>
    ensureEndpoint(clients, params.workspace, { name: params.endpointName, location: workspace.location, authMode: params.authMode, computeId, tags: params.tags }, wait),
  );
  if (created) platform.info(`Created online endpoint ${params.endpointName}.`);
  const previousTraffic = { ...(endpoint.properties.traffic ?? {}) };
  const previous = liveDeployment(endpoint);
  const name = params.deploymentName ?? nextColour(previous);

  const environmentId = await resolveEnvironment(clients, params.workspace, params.environment, `${params.modelName}-inference`, params.tags);
  const code = await uploadScoringCode(clients, params.workspace, params.codePath, new DataPlaneClient(clock, (m) => platform.info(m)));
  const body = {
    location: endpoint.location,
    tags: params.tags,
    ...(params.settings.instanceCount ? { sku: { name: 'Default', capacity: params.settings.instanceCount } } : {}),
    properties: {
      endpointComputeType: params.computeType === 'kubernetes' ? 'Kubernetes' : 'Managed',
      model: model.id,
      environmentId,
      codeConfiguration: { codeId: code.id, scoringScript: params.scoringScript },
      ...params.settings,
    },
  };

  const report = (deployment: string, replaced: string | undefined, traffic: Record<string, number>, scoringUri: string): void => {
    platform.setOutput('scoringUri', scoringUri);
    platform.setOutput('endpointName', params.endpointName);
    platform.setOutput('deploymentName', deployment);
    platform.setOutput('previousDeploymentName', replaced ?? '');
    platform.setOutput('traffic', JSON.stringify(traffic));
    platform.uploadSummary('Online endpoint', [
      `### ${params.modelName} v${model.name} on ${params.endpointName}/${deployment}`,
      '',
      '| | |',
      '|---|---|',
      `| Compute | ${params.computeType === 'kubernetes' ? `Kubernetes (${params.computeName})` : 'managed'} |`,
      `| Strategy | ${replaced === deployment ? 'none: already live' : `${params.trafficStrategy}${params.trafficStrategy === 'canary' ? ` (${params.canarySteps.join(', ')})` : ''}`} |`,
      `| Traffic | ${Object.entries(traffic).map(([d, p]) => `${d}: ${p}%`).join(', ') || 'none'} |`,
      `| Previous deployment | ${replaced && replaced !== deployment ? `${replaced}${params.deleteOldDeployment ? ' (deleted)' : ''}` : '-'} |`,
      `| Scoring URI | ${scoringUri} |`,
      '',
    ].join('\n'));
  };

  // A re-run whose live deployment already serves this model with this environment, code and settings changes nothing.
  if (previous && previousTraffic[previous] === 100 && (!params.deploymentName || params.deploymentName === previous)) {
    const live = await getDeploymentResource(clients, params.workspace, params.endpointName, previous);
    if (live && sameDeployment(live, body)) {
      platform.info(`Deployment '${previous}' already serves ${params.modelName} v${model.name} with this environment, code and settings: nothing to roll out.`);
      report(previous, undefined, previousTraffic, endpoint.properties.scoringUri as string);
      return { outcome: 'Succeeded', message: `${params.modelName} v${model.name} is already live as '${previous}' on '${params.endpointName}'; nothing changed.` };
    }
  }
  if (name === previous) throw new InputError('deploymentName', `'${name}' takes the endpoint's traffic now; a safe rollout needs a new deployment name.`);

  const fail = async (what: string, err: unknown): Promise<never> => {
    printLogTail(platform, `Last lines of the logs of deployment '${name}'`, await deploymentLogs(clients, params.workspace, params.endpointName, name));
    throw err instanceof AzureError || err instanceof CheckFailedError ? err : new AzureError(`${what}: ${errorMessage(err)}`);
  };

  try {
    await inGroup(platform, `Deployment ${name} (${params.modelName} v${model.name})`, () => putDeployment(clients, params.workspace, params.endpointName, name, body, wait));
  } catch (err) {
    return fail(`Creating deployment '${name}' failed`, err);
  }

  // An existing endpoint keeps its own auth mode; authMode applies when the task creates the endpoint.
  const credential = endpoint.properties.authMode === 'Key' ? await getEndpointKey(clients, params.workspace, params.endpointName) : await getEndpointToken(clients, params.workspace, params.endpointName);
  platform.setSecret(credential);
  const scoringUri = (await getEndpointResource(clients, params.workspace, params.endpointName))?.properties.scoringUri as string;
  const probe = async (header?: string): Promise<void> => {
    for (let i = 0; i < SMOKE_REQUESTS; i++) {
      const res = await sendScoringRequest({ url: scoringUri, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}`, ...(header ? { 'azureml-model-deployment': header } : {}) }, body: params.smokePayload, timeoutMs: 30_000 });
      if (res.status !== 200) throw new CheckFailedError(`The smoke request to ${header ? `deployment '${header}'` : `endpoint '${params.endpointName}'`} answered ${res.status}: ${res.bodyText.slice(0, 300)}`);
    }
  };

  let traffic = previousTraffic;
  try {
    await probe(name);
    platform.info(`Deployment ${name} answers its smoke request.`);
    // Traffic must add up to 0 or 100: with no live deployment to split against, a canary starts at 100.
    if (params.trafficStrategy === 'canary' && !previous) platform.info(`No deployment takes traffic on '${params.endpointName}' yet: '${name}' gets all of it at once.`);
    const steps = params.trafficStrategy === 'none' ? [] : previous ? params.canarySteps : [100];
    for (const step of steps) {
      const next: Record<string, number> = Object.fromEntries(Object.keys(previousTraffic).map((d) => [d, 0]));
      next[name] = step;
      if (step < 100 && previous) next[previous] = 100 - step;
      await setTraffic(clients, params.workspace, params.endpointName, next, wait);
      traffic = next;
      platform.info(`Traffic: ${JSON.stringify(next)}`);
      await probe();
    }
  } catch (err) {
    platform.warning(`Rolling back: traffic goes back to ${JSON.stringify(previousTraffic)}.`);
    await setTraffic(clients, params.workspace, params.endpointName, previousTraffic, wait);
    return fail(`Rolling out deployment '${name}' failed`, err);
  }

  if (params.deleteOldDeployment && previous && params.trafficStrategy !== 'none') {
    await deleteDeployment(clients, params.workspace, params.endpointName, previous, wait);
    platform.info(`Deleted the previous deployment ${previous}.`);
    delete traffic[previous];
  }

  report(name, previous, traffic, scoringUri);
  return { outcome: 'Succeeded', message: `${params.modelName} v${model.name} deployed as '${name}' on '${params.endpointName}'; traffic ${JSON.stringify(traffic)}.` };
}
