import { assetResourceById } from '../kit/aml-registry';
import { workspaceOf } from '../kit/arm';
import { fail, type EmulatorRequest } from '../kit/http';
import { workspaceId, type BatchEndpoint, type EmulatorState, type Workspace } from '../kit/state';
import { modelById } from './models';

/** Finding batch endpoints and the models their deployments name: shared by the routes and the job runner. */

export function batchEndpointKey(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/batchEndpoints/${name}`.toLowerCase();
}

/** The endpoint a request names, or 404 as the service answers. */
export function batchEndpointOf(state: EmulatorState, req: EmulatorRequest): BatchEndpoint {
  const ws = workspaceOf(state, req);
  const ep = state.batchEndpoints.get(batchEndpointKey(ws, req.params.name));
  if (!ep) fail(404, 'ResourceNotFound', `Batch endpoint '${req.params.name}' was not found in workspace '${ws.name}'.`, req.params.name);
  return ep;
}

/** The model version a batch deployment names (`model.assetId`): a workspace ARM id or a registry reference. */
export function batchModel(state: EmulatorState, assetId: string): Record<string, any> | undefined {
  return modelById(state, assetId)?.resource ?? (/^azureml:\/\/registries\//i.test(assetId) ? assetResourceById(state, assetId) : undefined);
}
