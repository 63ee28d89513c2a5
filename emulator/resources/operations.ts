import { fail, json, armError, route, type EmulatorRequest, type Route } from '../kit/http';
import { baseUrl } from '../kit/arm';
import type { EmulatorState } from '../kit/state';
import type { ResourceFamily } from './family';

/** The status routes of long-running operations (Azure-AsyncOperation and Location), per provider. */
function operationRoutes(state: EmulatorState, provider: string): Route[] {
  const find = (req: EmulatorRequest) => {
    const op = state.operations.get(req.params.id);
    if (!op) fail(404, 'OperationNotFound', `Operation '${req.params.id}' was not found.`);
    return op;
  };
  const advance = (req: EmulatorRequest): boolean => {
    const op = find(req);
    if (!op.settled && op.remainingPolls > 0) {
      op.remainingPolls -= 1;
      return false;
    }
    state.settle(op);
    return true;
  };
  const retryAfter = { 'Retry-After': String(state.retryAfterSeconds) };
  return [
    route('GET', `/subscriptions/{sub}/providers/${provider}/locations/{loc}/mfeOperationsStatus/{id}`, (req) => {
      const op = find(req);
      if (!advance(req)) return json(200, { id: req.params.id, status: 'InProgress' }, { 'Retry-After': String(state.retryAfterSeconds) });
      return json(200, { id: req.params.id, status: op.outcome, ...(op.error ? { error: op.error } : {}) });
    }),
    route('GET', `/subscriptions/{sub}/providers/${provider}/locations/{loc}/mfeOperationResults/{id}`, (req) => {
      const op = find(req);
      if (!advance(req)) return { status: 202, headers: { ...retryAfter, Location: `${baseUrl(req)}${req.path}${req.url.search}` } };
      if (op.outcome === 'Failed') return armError(400, op.error?.code ?? 'OperationFailed', op.error?.message ?? 'The operation failed.');
      return op.result === undefined ? { status: 200 } : json(200, op.result);
    }),
  ];
}

export const operations: ResourceFamily = {
  name: 'long-running operations',
  routes: ({ state }) => [...operationRoutes(state, 'Microsoft.MachineLearningServices'), ...operationRoutes(state, 'Microsoft.ContainerInstance')],
};
