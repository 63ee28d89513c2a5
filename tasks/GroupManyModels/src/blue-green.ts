import {
  deleteDeployment,
  deploymentLogs,
  getEndpointResource,
  liveDeployment,
  nextColour,
  putDeployment,
  setTraffic,
} from '../../../shared/aml/online-endpoints';
import type { WorkspaceRef } from '../../../shared/aml/workspace';
import type { ArmClients } from '../../../shared/azure/arm-client';
import type { Wait } from '../../../shared/azure/lro';
import { DeploymentFailedError } from '../../../shared/deploy/container-instance';
import { AzureError, TaskError, errorMessage } from '../../../shared/errors';

/**
 * Blue/green for an endpoint that serves one deployment: the new deployment is created beside the live one, takes
 * all traffic once it is up, and only then are the others deleted. A deployment that fails is removed again and
 * the live one keeps serving. A failure carries the last lines of the new deployment's logs.
 */
export async function replaceServingDeployment(
  clients: ArmClients,
  ws: WorkspaceRef,
  endpoint: string,
  body: unknown,
  wait: Wait,
): Promise<{ scoringUri: string; deployment: string }> {
  const before = await getEndpointResource(clients, ws, endpoint);
  const live = liveDeployment(before);
  const next = nextColour(live);
  try {
    await putDeployment(clients, ws, endpoint, next, body, wait);
  } catch (err) {
    const logs = await deploymentLogs(clients, ws, endpoint, next);
    if (live) await deleteDeployment(clients, ws, endpoint, next, wait).catch(() => undefined);
    const kept = live ? `; '${live}' keeps serving` : '';
    throw new DeploymentFailedError(
      `${err instanceof TaskError ? err.message : `Deploying '${next}' on endpoint '${endpoint}' failed: ${errorMessage(err)}`}${kept}`,
      logs,
    );
  }
  const traffic = before?.properties.traffic ?? {};
  await setTraffic(clients, ws, endpoint, { ...Object.fromEntries(Object.keys(traffic).map((d) => [d, 0])), [next]: 100 }, wait);
  for (const old of Object.keys(traffic).filter((d) => d !== next)) await deleteDeployment(clients, ws, endpoint, old, wait);
  const scoringUri = (await getEndpointResource(clients, ws, endpoint))?.properties.scoringUri;
  if (!scoringUri) throw new AzureError(`Online endpoint '${endpoint}' has no scoring URI.`);
  return { scoringUri, deployment: next };
}
