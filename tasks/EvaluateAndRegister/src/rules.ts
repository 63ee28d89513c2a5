import { InputError } from '../../../shared/errors';

/**
 * Gate rules, one per line: `<metric> higher|lower [threshold=<n>] [minAbsoluteChange=<n>] [minRelativeChange=<n>]`,
 * with MLflow MetricThreshold's meaning: the threshold bounds the candidate's own value; the changes are the
 * improvement required over the champion. A rule with none of the three requires a strict improvement.
 */
export interface Rule {
  line: number;
  text: string;
  metric: string;
  higherIsBetter: boolean;
  threshold?: number;
  minAbsoluteChange?: number;
  minRelativeChange?: number;
}

export interface RuleResult {
  metric: string;
  rule: string;
  candidate: number;
  champion?: number;
  required: string;
  pass: boolean;
  note?: string;
}

const OPTIONS = ['threshold', 'minAbsoluteChange', 'minRelativeChange'] as const;

export function parseRules(lines: { line: number; text: string }[]): Rule[] {
  if (!lines.length) throw new InputError('rules', 'at least one rule is required, e.g. `mse lower` or `r2 higher threshold=0.5`.');
  const seen = new Set<string>();
  return lines.map(({ line, text }) => {
    const bad = (reason: string): never => {
      throw new InputError('rules', `line ${line} '${text}': ${reason}`);
    };
    const [metric, direction, ...options] = text.split(/\s+/);
    if (!metric || !/^[\w.\-/]+$/.test(metric)) bad('expected `<metric> higher|lower [threshold=<n>] [minAbsoluteChange=<n>] [minRelativeChange=<n>]`');
    if (direction !== 'higher' && direction !== 'lower') bad(`the direction must be 'higher' or 'lower', not '${direction ?? ''}'`);
    if (seen.has(metric)) bad(`metric '${metric}' already has a rule`);
    seen.add(metric);
    const rule: Rule = { line, text, metric, higherIsBetter: direction === 'higher' };
    for (const option of options) {
      const m = /^(\w+)=(.+)$/.exec(option);
      const name = OPTIONS.find((o) => o === m?.[1]);
      if (!m || !name) bad(`'${option}' is not an option; allowed: ${OPTIONS.map((o) => `${o}=<n>`).join(', ')}`);
      const value = Number((m as RegExpExecArray)[2]);
      if (!Number.isFinite(value)) bad(`${name} must be a number, not '${(m as RegExpExecArray)[2]}'`);
      if (name !== 'threshold' && value < 0) bad(`${name} cannot be negative`);
      rule[name as (typeof OPTIONS)[number]] = value;
    }
    return rule;
  });
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** Evaluates one rule; `champion` is undefined for a first model or a metric the champion lacks. */
export function evaluateRule(rule: Rule, candidate: number, champion: number | undefined, championExists: boolean): RuleResult {
  const better = rule.higherIsBetter ? '>=' : '<=';
  const sign = rule.higherIsBetter ? 1 : -1;
  const required: string[] = [];
  const notes: string[] = [];
  let pass = true;
  if (rule.threshold !== undefined) {
    required.push(`${better} ${fmt(rule.threshold)} (threshold)`);
    pass &&= rule.higherIsBetter ? candidate >= rule.threshold : candidate <= rule.threshold;
  }
  const hasChange = rule.minAbsoluteChange !== undefined || rule.minRelativeChange !== undefined;
  if (champion === undefined) {
    notes.push(championExists ? `the champion has no '${rule.metric}': threshold only` : 'no champion: threshold only');
  } else {
    if (rule.minAbsoluteChange !== undefined) {
      const bound = champion + sign * rule.minAbsoluteChange;
      required.push(`${better} ${fmt(bound)} (champion ${rule.higherIsBetter ? '+' : '-'} ${fmt(rule.minAbsoluteChange)})`);
      pass &&= sign * (candidate - bound) >= 0;
    }
    if (rule.minRelativeChange !== undefined) {
      const bound = champion + sign * Math.abs(champion) * rule.minRelativeChange;
      required.push(`${better} ${fmt(bound)} (champion ${rule.higherIsBetter ? '+' : '-'} ${fmt(rule.minRelativeChange * 100)}%)`);
      pass &&= champion === 0 && rule.minRelativeChange > 0 ? sign * candidate > 0 : sign * (candidate - bound) >= 0;
    }
    if (!hasChange && rule.threshold === undefined) {
      required.push(`${rule.higherIsBetter ? '>' : '<'} ${fmt(champion)} (better than the champion)`);
      pass &&= sign * (candidate - champion) > 0;
    }
  }
  if (!required.length) required.push('(none)');
  return { metric: rule.metric, rule: rule.text, candidate, champion, required: required.join('; '), pass, note: notes.join('; ') || undefined };
}
