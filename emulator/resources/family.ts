import type { FaultInjector } from '../kit/faults';
import type { EmulatorRequest, EmulatorResponse, Route } from '../kit/http';
import type { EmulatorState } from '../kit/state';

/** What a resource family gets to build its routes with. */
export interface FamilyContext {
  state: EmulatorState;
  faults: FaultInjector;
  /** The emulator's TLS certificate, for callbacks a job makes to an https plan-events URL. */
  certFile: string;
}

/**
 * One family of emulated resources (workspaces and computes, assets, jobs, models, online endpoints, container
 * groups, Entra, MLflow, ...): its routes, an optional handler that takes requests before routing (the blob
 * service's path-style URLs), and what it seeds into a new emulator. `routes.ts` lists every family.
 */
export interface ResourceFamily {
  name: string;
  routes?: (ctx: FamilyContext) => Route[];
  intercept?: (ctx: FamilyContext, req: EmulatorRequest) => EmulatorResponse | undefined;
  seed?: (state: EmulatorState) => void;
}
