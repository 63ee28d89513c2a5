import { manyKeyed, type Plan, type PlannedContainer, type RoutingContainer } from '../../../shared/grouping/planner';
import type { Target } from './inputs';

/** Where a container serves: no keys or tokens, only what a router needs to find it. */
export interface ServiceInfo {
  kind: Target;
  scoringUri: string;
  resourceId: string;
}

export interface RoutedContainer extends RoutingContainer {
  service?: ServiceInfo;
}

/** The routing map as registered (a JSON file in the routing model) and written to `routingMapFile`. */
export interface DeployedRoutingMap {
  schemaVersion: 1;
  target: Target;
  containers: Record<string, RoutedContainer>;
}

export type Outcome =
  | { state: 'deployed'; service: ServiceInfo }
  | { state: 'unchanged' }
  | { state: 'failed'; error: string }
  | { state: 'skipped'; reason: string }
  | { state: 'deleted' }
  | { state: 'kept'; reason: string };

/**
 * For each container that loses members to other containers, the containers that receive them: the loser may
 * only be updated or deleted once every receiver is up, so no model is without a serving container meanwhile.
 */
export function receiversOf(plan: Plan, previous: DeployedRoutingMap | undefined): Map<string, Set<string>> {
  const before = new Map<string, string>();
  for (const [name, c] of Object.entries(previous?.containers ?? {})) for (const model of Object.keys(c.models)) before.set(model, name);
  const receivers = new Map<string, Set<string>>();
  for (const c of plan.containers) {
    if (c.action !== 'new' && c.action !== 'update') continue;
    for (const m of c.models) {
      const from = before.get(m.name);
      if (from && from !== c.name) receivers.set(from, (receivers.get(from) ?? new Set()).add(c.name));
    }
  }
  return receivers;
}

/**
 * The map after a rollout: planned entries for containers that are up, previous entries (old versions) for
 * models whose new container failed or was held back, so no registered model loses a working route. Returns the
 * models that have no route at all (new models whose first container failed).
 */
export function settleRouting(
  plan: Plan,
  previous: DeployedRoutingMap | undefined,
  outcomes: Map<string, Outcome>,
  registered: Set<string>,
  target: Target,
): { map: DeployedRoutingMap; unrouted: string[] } {
  const containers: Record<string, RoutedContainer> = {};
  const routed = new Set<string>();
  // Keys in a fixed order: an unchanged rollout gives byte-identical content, so no new routing version.
  const sortedModels = (pairs: [string, string][]) => manyKeyed(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const planned = (c: PlannedContainer): RoutedContainer => ({ group: c.group, models: sortedModels(c.models.map((m) => [m.name, m.version])) });
  for (const c of plan.containers) {
    const outcome = outcomes.get(c.name);
    const service = outcome?.state === 'deployed' ? outcome.service : outcome?.state === 'unchanged' ? previous?.containers[c.name]?.service : undefined;
    if (!service || !c.models.length) continue;
    containers[c.name] = { ...planned(c), service };
    for (const m of c.models) routed.add(m.name);
  }
  for (const c of plan.containers) {
    const outcome = outcomes.get(c.name);
    const before = previous?.containers[c.name];
    if (!before || !outcome || !['failed', 'skipped', 'kept'].includes(outcome.state)) continue;
    const models = Object.entries(before.models).filter(([name]) => registered.has(name) && !routed.has(name));
    if (!models.length) continue;
    containers[c.name] = { ...before, models: sortedModels(models) };
    for (const [name] of models) routed.add(name);
  }
  const sorted = Object.fromEntries(
    Object.keys(containers)
      .sort()
      .map((k) => [k, containers[k]]),
  );
  const unrouted = plan.containers
    .flatMap((c) => c.models.map((m) => m.name))
    .filter((n) => !routed.has(n))
    .sort();
  return { map: { schemaVersion: 1, target, containers: sorted }, unrouted };
}

/** Checks the shape of a routing map read back from the registry; `where` names its model version. */
export function parseRoutingMap(text: string, where: string): DeployedRoutingMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not JSON (${(err as Error).message})`, { cause: err });
  }
  const map = parsed as DeployedRoutingMap;
  const valid =
    map !== null &&
    typeof map === 'object' &&
    map.schemaVersion === 1 &&
    ['aci', 'kubernetes', 'managed'].includes(map.target) &&
    map.containers !== null &&
    typeof map.containers === 'object' &&
    Object.values(map.containers).every(
      (c) => c && typeof c.group === 'object' && typeof c.models === 'object' && Object.values(c.models).every((v) => typeof v === 'string'),
    );
  if (!valid) throw new Error(`${where} is not a routing map of this task (schemaVersion 1 with target and containers)`);
  return map;
}
