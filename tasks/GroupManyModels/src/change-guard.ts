import type { Plan, RoutingMap } from '../../../shared/grouping/planner';

/** The bound a run may change by without `allowLargeChanges`. */
export interface GuardSettings {
  allowLargeChanges: boolean;
  /** Largest share of the served models a run may move or remove, in percent. */
  largeChangeThreshold: number;
}

/**
 * The verdict on a plan before anything is written: `passed` within the bounds, `blocked` past them, `allowed`
 * past them with `allowLargeChanges`. Served = the models of the previous routing map.
 */
export interface ChangeGuard {
  verdict: 'passed' | 'blocked' | 'allowed';
  served: number;
  /** Served now, served nowhere after the plan. */
  removed: string[];
  /** Served now, in another container after the plan. */
  moved: string[];
  /** Containers the plan deletes while models they serve would be served nowhere. */
  deletedServing: { container: string; models: string[] }[];
  changedPercent: number;
  limitPercent: number;
  reasons: string[];
}

const SHOWN = 5;

function listed(names: string[]): string {
  return `${names.slice(0, SHOWN).join(', ')}${names.length > SHOWN ? `, and ${names.length - SHOWN} more` : ''}`;
}

/**
 * Judges a plan against what is serving. A typo in the tag filter, a splitting tag in the wrong case or a training
 * run that forgot a tag all look like "these models are gone": the plan would delete their containers. Such a plan
 * stops before any change unless the user says it is intended.
 */
export function guardPlan(plan: Plan, previous: RoutingMap | undefined, settings: GuardSettings): ChangeGuard {
  const before = new Map<string, string>();
  for (const [container, c] of Object.entries(previous?.containers ?? {})) for (const model of Object.keys(c.models)) before.set(model, container);
  const after = new Map<string, string>();
  for (const [container, c] of Object.entries(plan.routing.containers)) for (const model of Object.keys(c.models)) after.set(model, container);
  const removed: string[] = [];
  const moved: string[] = [];
  for (const [model, container] of before) {
    const now = after.get(model);
    if (now === undefined) removed.push(model);
    else if (now !== container) moved.push(model);
  }
  removed.sort();
  moved.sort();
  const deletedServing = plan.containers
    .filter((c) => c.action === 'delete')
    .map((c) => ({
      container: c.name,
      models: Object.keys(previous?.containers[c.name]?.models ?? {})
        .filter((m) => !after.has(m))
        .sort(),
    }))
    .filter((d) => d.models.length > 0);
  const served = before.size;
  const changedPercent = served ? Math.round(((removed.length + moved.length) / served) * 1000) / 10 : 0;
  const reasons: string[] = [];
  if (deletedServing.length) {
    const models = deletedServing.reduce((n, d) => n + d.models.length, 0);
    reasons.push(
      `it deletes ${deletedServing.length} container(s) still serving ${models} model(s) that would then be served nowhere (${deletedServing
        .slice(0, SHOWN)
        .map((d) => `${d.container}: ${listed(d.models)}`)
        .join('; ')}${deletedServing.length > SHOWN ? '; ...' : ''})`,
    );
  }
  if (served && changedPercent > settings.largeChangeThreshold) {
    const parts = [removed.length ? `removes ${removed.length} (${listed(removed)})` : '', moved.length ? `moves ${moved.length}` : '']
      .filter(Boolean)
      .join(' and ');
    reasons.push(`it ${parts} of the ${served} served model(s): ${changedPercent}%, above largeChangeThreshold (${settings.largeChangeThreshold}%)`);
  }
  const verdict = reasons.length === 0 ? 'passed' : settings.allowLargeChanges ? 'allowed' : 'blocked';
  return { verdict, served, removed, moved, deletedServing, changedPercent, limitPercent: settings.largeChangeThreshold, reasons };
}
