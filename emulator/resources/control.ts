import { json, route, type Route } from '../kit/http';
import type { FaultRule } from '../kit/faults';
import type { FamilyContext, ResourceFamily } from './family';

/** The emulator's own control routes (fault injection) and the Azure DevOps plan-events callback it receives. */
function controlRoutes({ state, faults }: FamilyContext): Route[] {
  return [
    route('POST', '/_emulator/faults', (req) => {
      const b = (req.body ?? {}) as FaultRule & { path: string; regex?: boolean };
      if (!b.path || !b.fault) return json(400, { message: 'Expected {"path", "fault": {"type": ...}, "method"?, "times"?, "after"?}.' });
      faults.add({ ...b, path: b.regex ? new RegExp(b.path, 'i') : b.path });
      return json(201, { added: true });
    }),
    route('DELETE', '/_emulator/faults', () => {
      faults.clear();
      return { status: 204 };
    }),
    route('POST', '/ado/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/events', (req) => {
      state.planEvents.push({ url: req.url.toString(), authorization: req.headers.authorization, body: req.body });
      return json(200, {});
    }),
  ];
}

export const control: ResourceFamily = { name: 'emulator control and ADO plan events', routes: controlRoutes };
