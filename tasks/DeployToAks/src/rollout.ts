import type { OutputName } from '../contract.generated';
import {
  deleteDeployment,
  deploymentLogs,
  getEndpointResource,
  scoringCredential,
  putDeployment,
  setTraffic,
  type EndpointResource,
} from '../../../shared/aml/online-endpoints';
import type { ArmClients } from '../../../shared/azure/arm-client';
import type { Wait } from '../../../shared/azure/lro';
import { AzureError, CheckFailedError, errorMessage } from '../../../shared/errors';
import { inGroup, printLogTail, type Platform } from '../../../shared/platform/platform';
import { sendScoringRequest } from '../../../shared/scoring/http';
import type { AksParams } from './inputs';

const SMOKE_REQUESTS = 3;

export interface Rollout {
  params: AksParams;
  platform: Platform<OutputName>;
  clients: ArmClients;
  wait: Wait;
  endpoint: EndpointResource;
  /** The deployment serving now, replaced by `name`. */
  previous?: string;
  name: string;
  body: unknown;
  label: string;
}

/** Sends the smoke payload a few times, through a deployment's header or the endpoint's traffic. */
async function probe(r: Rollout, scoringUri: string, credential: string, header?: string): Promise<void> {
  for (let i = 0; i < SMOKE_REQUESTS; i++) {
    const res = await sendScoringRequest({
      url: scoringUri,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}`, ...(header ? { 'azureml-model-deployment': header } : {}) },
      body: r.params.smokePayload,
      timeoutMs: 30_000,
    });
    if (res.status !== 200)
      throw new CheckFailedError(
        `The smoke request to ${header ? `deployment '${header}'` : `endpoint '${r.params.endpointName}'`} answered ${res.status}: ${res.bodyText.slice(0, 300)}`,
      );
  }
}

/** The failure of a rollout step, with the new deployment's last log lines printed. */
async function failed(r: Rollout, what: string, err: unknown): Promise<never> {
  printLogTail(
    r.platform,
    `Last lines of the logs of deployment '${r.name}'`,
    await deploymentLogs(r.clients, r.params.workspace, r.params.endpointName, r.name),
  );
  throw err instanceof AzureError || err instanceof CheckFailedError ? err : new AzureError(`${what}: ${errorMessage(err)}`);
}

/**
 * Safe rollout: the new deployment at 0 %, smoked through its header, then traffic in the strategy's steps with a
 * probe after each. Any failure puts the traffic back as it was; the previous deployment is deleted (when asked)
 * only after the last step passed.
 */
export async function rollOut(r: Rollout): Promise<{ traffic: Record<string, number>; scoringUri: string }> {
  const { params, clients, wait, platform } = r;
  const ws = params.workspace;
  try {
    await inGroup(platform, `Deployment ${r.name} (${r.label})`, () => putDeployment(clients, ws, params.endpointName, r.name, r.body, wait));
  } catch (err) {
    return failed(r, `Creating deployment '${r.name}' failed`, err);
  }
  // An existing endpoint keeps its own auth mode; authMode applies when the task creates the endpoint.
  const credential = await scoringCredential(clients, ws, r.endpoint);
  platform.setSecret(credential);
  const scoringUri = (await getEndpointResource(clients, ws, params.endpointName))?.properties.scoringUri as string;
  const previousTraffic = { ...(r.endpoint.properties.traffic ?? {}) };
  let traffic = previousTraffic;
  try {
    await probe(r, scoringUri, credential, r.name);
    platform.info(`Deployment ${r.name} answers its smoke request.`);
    // Traffic must add up to 0 or 100: with no live deployment to split against, a canary starts at 100.
    if (params.trafficStrategy === 'canary' && !r.previous)
      platform.info(`No deployment takes traffic on '${params.endpointName}' yet: '${r.name}' gets all of it at once.`);
    const steps = params.trafficStrategy === 'none' ? [] : r.previous ? params.canarySteps : [100];
    for (const step of steps) {
      const next: Record<string, number> = Object.fromEntries(Object.keys(previousTraffic).map((d) => [d, 0]));
      next[r.name] = step;
      if (step < 100 && r.previous) next[r.previous] = 100 - step;
      await setTraffic(clients, ws, params.endpointName, next, wait);
      traffic = next;
      platform.info(`Traffic: ${JSON.stringify(next)}`);
      await probe(r, scoringUri, credential);
    }
  } catch (err) {
    platform.warning(`Rolling back: traffic goes back to ${JSON.stringify(previousTraffic)}.`);
    await setTraffic(clients, ws, params.endpointName, previousTraffic, wait);
    return failed(r, `Rolling out deployment '${r.name}' failed`, err);
  }
  if (params.deleteOldDeployment && r.previous && params.trafficStrategy !== 'none') {
    await deleteDeployment(clients, ws, params.endpointName, r.previous, wait);
    platform.info(`Deleted the previous deployment ${r.previous}.`);
    const previous = r.previous;
    return { traffic: Object.fromEntries(Object.entries(traffic).filter(([d]) => d !== previous)), scoringUri };
  }
  return { traffic, scoringUri };
}
