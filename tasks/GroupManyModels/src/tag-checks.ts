import { InputError } from '../../../shared/errors';
import type { LatestModel } from '../../../shared/aml/models';
import type { RoutingMap } from '../../../shared/grouping/planner';

/** How many of the workspace's models are read (newest version, no filter) to show which tags exist. */
export const HINT_SAMPLE = 20;
const SHOWN = 8;

/** Edit distance, bounded: enough to tell a typo from another tag. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/**
 * The error for a tag filter that matches no model: the most common tags on a sample of the workspace's models,
 * and the closest one to each part of the filter, so a typo or a wrong case is visible at once.
 */
export function noMatchError(filter: string, workspace: string, modelCount: number, sample: LatestModel[]): InputError {
  if (modelCount === 0)
    return new InputError(
      'modelTagFilter',
      `'${filter}' matches no model: workspace '${workspace}' has no registered model besides the routing model. Nothing was changed.`,
    );
  const counts = new Map<string, number>();
  for (const m of sample) for (const [k, v] of Object.entries(m.tags)) for (const pair of [k, `${k}=${v}`]) counts.set(pair, (counts.get(pair) ?? 0) + 1);
  const common = [...counts.entries()]
    .filter(([p]) => p.includes('='))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, SHOWN);
  const closest = filter.split(',').flatMap((part) => {
    const best = [...counts.keys()]
      .filter((p) => p.includes('=') === part.includes('='))
      .map((p) => ({ p, d: distance(part.toLowerCase(), p.toLowerCase()) }))
      .sort((a, b) => a.d - b.d)[0];
    return best && best.p !== part && best.d <= Math.max(2, Math.floor(part.length / 4)) ? [`'${part}' -> '${best.p}'`] : [];
  });
  return new InputError(
    'modelTagFilter',
    `'${filter}' matches none of the ${modelCount} model(s) in workspace '${workspace}', so nothing was changed (tag names and values are case-sensitive).` +
      `${closest.length ? ` Did you mean ${closest.join(', ')}?` : ''}` +
      ` Tags on the newest versions of ${sample.length} of them: ${common.map(([p, n]) => `${p} (${n})`).join(', ') || 'none'}.`,
  );
}

/**
 * A splitting or sorting tag that no listed model carries as written, while models (or the previous run's
 * groups) carry it in another case, is a typo: planned as given, every served model would look untagged.
 */
export function checkTagCase(input: 'splittingTags' | 'sortingTags', tags: string[], models: LatestModel[], previous: RoutingMap | undefined): void {
  const carried = new Set<string>();
  for (const m of models) for (const k of Object.keys(m.tags)) carried.add(k);
  if (input === 'splittingTags') for (const c of Object.values(previous?.containers ?? {})) for (const k of Object.keys(c.group)) carried.add(k);
  for (const tag of tags) {
    if (carried.has(tag)) continue;
    const variants = [...carried].filter((k) => k.toLowerCase() === tag.toLowerCase());
    if (variants.length) {
      throw new InputError(
        input,
        `no model carries the tag '${tag}', but ${variants.map((v) => `'${v}'`).join(' and ')} ${variants.length > 1 ? 'exist' : 'exists'}${input === 'splittingTags' && previous ? ' (the deployed containers are split by it)' : ''}; tag names are case-sensitive. Nothing was changed.`,
      );
    }
  }
}
