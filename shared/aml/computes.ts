import type { ArmClients } from '../azure/arm-client';
import { InputError } from '../errors';
import { workspacePath, type WorkspaceRef } from './workspace';

/** What each use needs of a compute: its type and what to do when it is something else. */
const KINDS = {
  Kubernetes: 'attach the AKS or Arc cluster as Kubernetes compute first',
  AmlCompute: 'batch deployments run on a compute cluster (AmlCompute); create one with az ml compute create --type amlcompute',
} as const;

/** The id of a workspace compute of `type` (an attached Kubernetes cluster, a compute cluster); errors name `computeName`. */
export async function computeIdOfType(clients: ArmClients, ws: WorkspaceRef, computeName: string, type: keyof typeof KINDS): Promise<string> {
  const path = `${workspacePath(ws)}/computes/${encodeURIComponent(computeName)}`;
  const compute = await clients.rest().tryGet<{ id?: string; properties: { computeType?: string } }>(path, `Get compute '${computeName}'`);
  if (!compute) throw new InputError('computeName', `compute '${computeName}' does not exist in workspace '${ws.workspace}'; ${KINDS[type]}.`);
  if (compute.properties.computeType !== type)
    throw new InputError('computeName', `compute '${computeName}' is of type ${compute.properties.computeType}, not ${type}; ${KINDS[type]}.`);
  return compute.id ?? path;
}

/** The id of an attached Kubernetes compute (AKS or Arc). */
export function kubernetesComputeId(clients: ArmClients, ws: WorkspaceRef, computeName: string): Promise<string> {
  return computeIdOfType(clients, ws, computeName, 'Kubernetes');
}
