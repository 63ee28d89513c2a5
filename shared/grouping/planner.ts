import { createHash } from 'node:crypto';

/**
 * The many-models planner: pure and deterministic (no I/O, same plan for the same inputs in any order).
 * Models are grouped by the values of the splitting tags and packed into containers of at most
 * maxContainerSize. Placement is sticky: a model stays in its container until it is deleted; new models fill
 * free slots of their group's containers first (ordered by the sorting tags, numeric-aware, then by name).
 */
export interface ModelInfo {
  name: string;
  version: string;
  tags: Record<string, string>;
}

export interface RoutingContainer {
  group: Record<string, string>;
  /** Model name -> version deployed in this container. */
  models: Record<string, string>;
}

export interface RoutingMap {
  containers: Record<string, RoutingContainer>;
}

export interface PlanSettings {
  splittingTags: string[];
  sortingTags: string[];
  maxContainerSize: number;
  servicePrefix: string;
  /** Longest allowed container name (ACI groups 63, online endpoints 32). */
  maxNameLength: number;
  reset: boolean;
  updateAll: boolean;
}

export type ContainerAction = 'new' | 'update' | 'unchanged' | 'delete';

export interface PlannedContainer {
  name: string;
  group: Record<string, string>;
  models: { name: string; version: string }[];
  action: ContainerAction;
  /** Why an update: members added, removed, moved out, or versions bumped. */
  reasons: string[];
}

/**
 * A model whose listed version lacks a splitting tag. `otherCase` names tags it carries under another case
 * (tags are case-sensitive); `heldIn` is the container that keeps serving its previously deployed version.
 */
export interface MissingTags {
  model: string;
  missing: string[];
  otherCase: string[];
  heldIn?: { container: string; version: string };
}

export interface Plan {
  containers: PlannedContainer[];
  missingTags: MissingTags[];
  routing: RoutingMap;
  counts: Record<ContainerAction, number>;
}

/**
 * A key whose plain string order is numeric-aware and case-insensitive ("s2" before "s10", "B" with "b"): each
 * run of digits becomes its length (3 digits) then the digits without leading zeros. Keys are made once per value,
 * so sorting a million models costs string comparisons, not a collator call per comparison.
 */
export function sortKey(value: string): string {
  return value.toLowerCase().replace(/\d+/g, (digits) => {
    const n = digits.replace(/^0+(?=\d)/, '');
    return `${String(n.length).padStart(3, '0')}${n}`;
  });
}

function byKey<T>(items: T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

/**
 * A record of many distinct keys (a container's models). Built in V8's dictionary mode: Object.fromEntries of
 * hundreds of distinct keys makes one hidden class per key, which dominates a plan of a million models.
 */
export function manyKeyed<V>(pairs: Iterable<[string, V]>): Record<string, V> {
  const record: Record<string, V> = { '': undefined as V };
  delete record[''];
  for (const [key, value] of pairs) record[key] = value;
  return record;
}

/** The group's identity: its splitting-tag values in order (values may hold any character but \u0000). */
function groupKey(group: Record<string, string>, tags: string[]): string {
  return tags.map((t) => group[t] ?? '').join('\u0000');
}

/** By the sorting tags' values (numeric-aware), then by name. */
function sortModels(models: ModelInfo[], sortingTags: string[]): ModelInfo[] {
  return byKey(models, (m) => `${sortingTags.map((t) => sortKey(m.tags[t] ?? '')).join('\u0001')}\u0002${m.name}`);
}

/** A valid container name: lowercase letters, digits and single hyphens, starting with a letter. */
export const CONTAINER_NAME = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/** `prefix-<group values>-<n>`, cleaned to Azure's rules; too long, it is cut and ends with a stable hash. */
export function containerName(prefix: string, group: string[], index: number, maxLength: number): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  let base = [clean(prefix) || 'mm', ...group.map(clean).filter(Boolean)].join('-');
  if (!/^[a-z]/.test(base)) base = `m-${base}`;
  const suffix = `-${index}`;
  let name = `${base}${suffix}`;
  if (name.length > maxLength) {
    const hash = createHash('sha1')
      .update(`${prefix}\0${group.join('\0')}`)
      .digest('hex')
      .slice(0, 6);
    name = `${base.slice(0, maxLength - suffix.length - hash.length - 1).replace(/-+$/, '')}-${hash}${suffix}`;
  }
  return name;
}

/** A container while the plan is made: its members by name, and why it changes. */
interface Working {
  name: string;
  group: Record<string, string>;
  members: string[];
  previous?: RoutingContainer;
  reasons: string[];
}

/** The listed models split into those with every splitting tag (keyed by group) and those missing one. */
interface Listing {
  current: Map<string, ModelInfo>;
  /** Each model's group key, made once: the plan looks it up for every placement decision. */
  keyOf: Map<string, string>;
  lacking: Map<string, MissingTags>;
  /** Versions of held models (served, their newest version lacking a splitting tag): the version they serve. */
  held: Map<string, ModelInfo>;
}

function listing(models: ModelInfo[], settings: PlanSettings): Listing {
  const out: Listing = { current: new Map(), keyOf: new Map(), lacking: new Map(), held: new Map() };
  for (const m of models) {
    const missing = settings.splittingTags.filter((t) => !(t in m.tags) || m.tags[t] === '');
    if (missing.length) {
      const keys = Object.keys(m.tags);
      const otherCase = missing.flatMap((t) => keys.filter((k) => k !== t && k.toLowerCase() === t.toLowerCase()));
      out.lacking.set(m.name, { model: m.name, missing, otherCase });
      continue;
    }
    out.current.set(m.name, m);
    out.keyOf.set(m.name, groupKey(m.tags, settings.splittingTags));
  }
  return out;
}

/** A previous container with the members that stay: same group, within the size; held models stay too. */
function keepPrior(name: string, before: RoutingContainer, l: Listing, settings: PlanSettings, placed: Set<string>): Working {
  const w: Working = { name, group: before.group, members: [], previous: before, reasons: [] };
  const beforeKey = groupKey(before.group, settings.splittingTags);
  const keep = sortModels(
    Object.keys(before.models)
      .map((n) => l.current.get(n))
      .filter((m): m is ModelInfo => m !== undefined && l.keyOf.get(m.name) === beforeKey),
    settings.sortingTags,
  );
  // A served model whose newest version lost a splitting tag is never dropped on that account: it stays
  // where it is, at the version it serves, until its tags are fixed (a reset regroups without it).
  const held = Object.keys(before.models).filter((n) => l.lacking.has(n));
  for (const n of held) {
    (l.lacking.get(n) as MissingTags).heldIn = { container: name, version: before.models[n] };
    l.held.set(n, { name: n, version: before.models[n], tags: {} });
    w.members.push(n);
  }
  const kept = new Set([...keep.map((m) => m.name), ...held]);
  const removed = Object.keys(before.models).filter((n) => !kept.has(n));
  if (removed.length) w.reasons.push(`${removed.length} removed or moved`);
  const stay = keep.slice(0, Math.max(0, settings.maxContainerSize - held.length));
  if (keep.length > stay.length) w.reasons.push(`${keep.length - stay.length} relocated (container size)`);
  for (const m of stay) {
    w.members.push(m.name);
    placed.add(m.name);
  }
  const bumped = stay.filter((m) => before.models[m.name] !== m.version).length;
  if (bumped) w.reasons.push(`${bumped} new version(s)`);
  return w;
}

/** New models fill free slots of their group's containers first, then new containers named by group. */
function placeNew(working: Working[], unplaced: ModelInfo[], l: Listing, settings: PlanSettings): Set<string> {
  const byGroup = new Map<string, ModelInfo[]>();
  for (const m of unplaced) {
    const key = l.keyOf.get(m.name) as string;
    const bucket = byGroup.get(key);
    if (bucket) bucket.push(m);
    else byGroup.set(key, [m]);
  }
  const taken = new Set(working.map((w) => w.name));
  const workingByGroup = new Map<string, Working[]>();
  for (const w of working) {
    const key = groupKey(w.group, settings.splittingTags);
    workingByGroup.set(key, [...(workingByGroup.get(key) ?? []), w]);
  }
  for (const key of [...byGroup.keys()].sort()) {
    const queue = byGroup.get(key) as ModelInfo[];
    const group = Object.fromEntries(settings.splittingTags.map((t) => [t, queue[0].tags[t]]));
    for (const w of workingByGroup.get(key) ?? []) {
      const added = queue.splice(0, Math.max(0, settings.maxContainerSize - w.members.length));
      if (added.length) w.reasons.push(`${added.length} added`);
      w.members.push(...added.map((m) => m.name));
    }
    for (let index = 1; queue.length; index++) {
      const name = containerName(
        settings.servicePrefix,
        settings.splittingTags.map((t) => group[t]),
        index,
        settings.maxNameLength,
      );
      if (taken.has(name)) continue;
      taken.add(name);
      working.push({ name, group, members: queue.splice(0, settings.maxContainerSize).map((m) => m.name), reasons: [] });
    }
  }
  return taken;
}

/** Each container's action from its members and reasons, and the routing map the plan leads to. */
function settle(working: Working[], l: Listing, settings: PlanSettings): Pick<Plan, 'containers' | 'routing' | 'counts'> {
  const containers: PlannedContainer[] = [];
  const routing: RoutingMap = { containers: {} };
  for (const w of byKey(working, (x) => sortKey(x.name))) {
    const members = w.members.map((n) => (l.current.get(n) ?? l.held.get(n)) as ModelInfo);
    let action: ContainerAction;
    if (!members.length) action = 'delete';
    else if (!w.previous) action = 'new';
    else if (w.reasons.length || settings.updateAll) action = 'update';
    else action = 'unchanged';
    if (action === 'update' && !w.reasons.length) w.reasons.push('updateAll');
    containers.push({ name: w.name, group: w.group, models: members.map((m) => ({ name: m.name, version: m.version })), action, reasons: w.reasons });
    if (members.length) routing.containers[w.name] = { group: w.group, models: manyKeyed(members.map((m): [string, string] => [m.name, m.version])) };
  }
  const counts = { new: 0, update: 0, unchanged: 0, delete: 0 };
  for (const c of containers) counts[c.action] += 1;
  return { containers, routing, counts };
}

export function planGroups(models: ModelInfo[], previous: RoutingMap | undefined, settings: PlanSettings): Plan {
  if (settings.maxContainerSize < 1) throw new Error('maxContainerSize must be at least 1');
  const l = listing(models, settings);
  const placed = new Set<string>();
  const prior = settings.reset ? {} : (previous?.containers ?? {});
  const working = byKey(Object.keys(prior), sortKey).map((name) => keepPrior(name, prior[name], l, settings, placed));
  const unplaced = sortModels(
    [...l.current.values()].filter((m) => !placed.has(m.name)),
    settings.sortingTags,
  );
  const taken = placeNew(working, unplaced, l, settings);
  // A reset rebuilds from scratch, but what was deployed before still runs: whatever is not rebuilt goes.
  if (settings.reset) {
    for (const [name, before] of Object.entries(previous?.containers ?? {})) {
      if (!taken.has(name)) working.push({ name, group: before.group, members: [], previous: before, reasons: ['reset'] });
    }
  }
  const missingTags = [...l.lacking.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return { ...settle(working, l, settings), missingTags };
}
