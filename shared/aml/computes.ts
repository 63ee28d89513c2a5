import type { ArmClients } from '../azure/arm-client';
import { InputError } from '../errors';
import { workspacePath, type WorkspaceRef } from './workspace';

/** The id of an attached Kubernetes compute (AKS or Arc); the error names the `computeName` input. */
export async function kubernetesComputeId(clients: ArmClients, ws: WorkspaceRef, computeName: string): Promise<string> {
  const path = `${workspacePath(ws)}/computes/${encodeURIComponent(computeName)}`;
  const compute = await clients.rest().tryGet<{ id?: string; properties: { computeType?: string } }>(path, `Get compute '${computeName}'`);
  if (!compute)
    throw new InputError(
      'computeName',
      `compute '${computeName}' does not exist in workspace '${ws.workspace}'; attach the AKS or Arc cluster as Kubernetes compute first.`,
    );
  if (compute.properties.computeType !== 'Kubernetes') {
    throw new InputError(
      'computeName',
      `compute '${computeName}' is of type ${compute.properties.computeType}, not Kubernetes; attach the cluster as Kubernetes compute, or deploy to a managed online endpoint instead.`,
    );
  }
  return compute.id ?? path;
}
