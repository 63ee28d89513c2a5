import type { Node, YAMLMap } from 'yaml';
import { EARLY_TERMINATION, SAMPLING, SEARCH_SPACE_TYPES } from './vocabulary';
import { yaml, type Loaded, type YamlDocs } from '../../../shared/yaml/yaml-docs';

/** The parameters each search-space distribution needs (sweepJob schema). */
const DISTRIBUTION_KEYS: Record<string, string[]> = {
  choice: ['values'],
  randint: ['upper'],
  uniform: ['min_value', 'max_value'],
  loguniform: ['min_value', 'max_value'],
  quniform: ['min_value', 'max_value', 'q'],
  qloguniform: ['min_value', 'max_value', 'q'],
  normal: ['mu', 'sigma'],
  lognormal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  qlognormal: ['mu', 'sigma', 'q'],
};

function mapping(reader: YamlDocs, doc: Loaded, node: Node | undefined, parent: Node, key: string, what: string): YAMLMap {
  if (!node || !yaml().isMap(node)) reader.fail(doc, node ?? parent, key, `is required: ${what}`);
  return node;
}

function keysOf(reader: YamlDocs, doc: Loaded, map: YAMLMap, key: string, allowed: string[], required: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of map.items) {
    const k = String((pair.key as { value: unknown }).value);
    if (!allowed.includes(k)) reader.fail(doc, pair.key as Node, `${key}.${k}`, `is not supported here; supported keys: ${allowed.join(', ')}`);
    out[k] = (pair.value as { toJSON(): unknown } | null)?.toJSON();
  }
  for (const r of required) if (out[r] === undefined || out[r] === null) reader.fail(doc, map, `${key}.${r}`, 'is required');
  return out;
}

/** A sweep job's sampling, search space, objective, limits and early termination, checked as `az ml` checks them. */
export function checkSweep(reader: YamlDocs, doc: Loaded, value: YAMLMap, where: string): void {
  const samplingNode = value.get('sampling_algorithm', true) as Node | undefined;
  const sampling = samplingNode && yaml().isMap(samplingNode) ? samplingNode.toJSON().type : (samplingNode as { toJSON(): unknown } | undefined)?.toJSON();
  if (!SAMPLING.includes(String(sampling)))
    reader.fail(doc, samplingNode ?? value, `${where}.sampling_algorithm`, `'${sampling ?? ''}' is not a sampling algorithm; allowed: ${SAMPLING.join(', ')}`);
  const space = mapping(
    reader,
    doc,
    value.get('search_space', true) as Node | undefined,
    value,
    `${where}.search_space`,
    'a mapping of input names to distributions',
  );
  for (const pair of space.items) {
    const name = String((pair.key as { value: unknown }).value);
    const key = `${where}.search_space.${name}`;
    const dist = mapping(reader, doc, pair.value as Node, space, key, `a distribution (type: ${SEARCH_SPACE_TYPES.join(', ')})`);
    const type = String(dist.toJSON().type);
    if (!SEARCH_SPACE_TYPES.includes(type)) reader.fail(doc, dist, `${key}.type`, `'${type}' is not a distribution; allowed: ${SEARCH_SPACE_TYPES.join(', ')}`);
    const params = keysOf(reader, doc, dist, key, ['type', ...DISTRIBUTION_KEYS[type]], DISTRIBUTION_KEYS[type]);
    if (type === 'choice' && (!Array.isArray(params.values) || params.values.length === 0))
      reader.fail(doc, dist, `${key}.values`, 'expected a non-empty list');
    if (sampling === 'grid' && type !== 'choice') reader.fail(doc, dist, `${key}.type`, `grid sampling takes choice distributions only; found '${type}'`);
  }
  const objective = mapping(reader, doc, value.get('objective', true) as Node | undefined, value, `${where}.objective`, 'goal and primary_metric');
  const o = keysOf(reader, doc, objective, `${where}.objective`, ['goal', 'primary_metric'], ['goal', 'primary_metric']);
  if (!['minimize', 'maximize'].includes(String(o.goal).toLowerCase()))
    reader.fail(doc, objective, `${where}.objective.goal`, `'${o.goal}' is not a goal; allowed: minimize, maximize`);
  const limits = value.get('limits', true) as Node | undefined;
  if (limits)
    keysOf(
      reader,
      doc,
      mapping(reader, doc, limits, value, `${where}.limits`, 'a mapping'),
      `${where}.limits`,
      ['max_total_trials', 'max_concurrent_trials', 'timeout', 'trial_timeout'],
      [],
    );
  const early = value.get('early_termination', true) as Node | undefined;
  if (early) {
    const map = mapping(reader, doc, early, value, `${where}.early_termination`, 'a policy');
    const policy = String(map.toJSON().type);
    if (!EARLY_TERMINATION.includes(policy))
      reader.fail(doc, map, `${where}.early_termination.type`, `'${policy}' is not a policy; allowed: ${EARLY_TERMINATION.join(', ')}`);
    const allowed = ['type', 'evaluation_interval', 'delay_evaluation', 'slack_factor', 'slack_amount', 'truncation_percentage', 'exclude_finished_jobs'];
    keysOf(reader, doc, map, `${where}.early_termination`, allowed, []);
  }
}
