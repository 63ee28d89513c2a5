import { planGroups, type ModelInfo, type PlanSettings } from '../shared/grouping/planner';

export interface PlanFigures {
  models: number;
  groups: number;
  containers: number;
  firstPlanMs: number;
  replanMs: number;
  bumpDeployments: number;
  rssMb: number;
}

/** `count` models spread over `groups` brands, one per store, numbered so numeric-aware sorting matters. */
export function syntheticModels(count: number, groups: number): ModelInfo[] {
  return Array.from({ length: count }, (_, i) => ({ name: `m-${i}`, version: '1', tags: { Brand: `b${i % groups}`, Store: String(Math.floor(i / groups)) } }));
}

const SETTINGS: PlanSettings = {
  splittingTags: ['Brand'],
  sortingTags: ['Store'],
  maxContainerSize: 500,
  servicePrefix: 'mm',
  maxNameLength: 63,
  reset: false,
  updateAll: false,
};

function timed<T>(fn: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = fn();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

/** Plans a first deploy, re-plans with no change, then bumps one model's version and counts the deployments. */
export function measurePlan(count: number, groups: number): PlanFigures {
  const models = syntheticModels(count, groups);
  const [first, firstPlanMs] = timed(() => planGroups(models, undefined, SETTINGS));
  const [, replanMs] = timed(() => planGroups(models, first.routing, SETTINGS));
  const bumped = models.map((m, i) => (i === Math.floor(count / 2) ? { ...m, version: '2' } : m));
  const bump = planGroups(bumped, first.routing, SETTINGS);
  return {
    models: count,
    groups,
    containers: first.containers.length,
    firstPlanMs,
    replanMs,
    bumpDeployments: bump.counts.new + bump.counts.update + bump.counts.delete,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
}
