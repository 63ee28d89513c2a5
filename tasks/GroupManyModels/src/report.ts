import type { Plan } from '../../../shared/grouping/planner';
import type { Outcome } from './routing-map';

const MAX_ROWS = 100;

function describe(outcome: Outcome | undefined): string {
  if (!outcome) return 'planned';
  switch (outcome.state) {
    case 'deployed':
      return `deployed: ${outcome.service.scoringUri}`;
    case 'failed':
      return `**failed**: ${outcome.error.replace(/\|/g, '\\|').slice(0, 200)}`;
    case 'skipped':
    case 'kept':
      return `${outcome.state}: ${outcome.reason}`;
    default:
      return outcome.state;
  }
}

/** The plan as markdown: counts, the containers that change (with their outcome once deployed), missing tags. */
export function planMarkdown(plan: Plan, title: string, outcomes?: Map<string, Outcome>, unrouted: string[] = []): string {
  const models = plan.containers.reduce((n, c) => n + c.models.length, 0);
  const changed = plan.containers.filter((c) => c.action !== 'unchanged');
  const lines = [
    `### ${title}`,
    '',
    `${models} model(s) in ${plan.containers.filter((c) => c.action !== 'delete').length} container(s).`,
    '',
    '| New | Updated | Unchanged | Deleted | Missing a splitting tag |',
    '|---|---|---|---|---|',
    `| ${plan.counts.new} | ${plan.counts.update} | ${plan.counts.unchanged} | ${plan.counts.delete} | ${plan.missingTags.length} |`,
    '',
  ];
  if (changed.length) {
    lines.push('| Container | Action | Models | Why | Outcome |', '|---|---|---|---|---|');
    for (const c of changed.slice(0, MAX_ROWS)) lines.push(`| ${c.name} | ${c.action} | ${c.models.length} | ${c.reasons.join('; ') || '-'} | ${describe(outcomes?.get(c.name))} |`);
    if (changed.length > MAX_ROWS) lines.push(`| ... | ${changed.length - MAX_ROWS} more in the plan file | | | |`);
    lines.push('');
  }
  if (plan.missingTags.length) {
    lines.push(`Models without every splitting tag (not deployed): ${plan.missingTags.slice(0, MAX_ROWS).map((m) => `${m.model} (${m.missing.join(', ')})`).join(', ')}${plan.missingTags.length > MAX_ROWS ? ', ...' : ''}`, '');
  }
  if (unrouted.length) lines.push(`Models without a route after this run (their new container failed): ${unrouted.slice(0, MAX_ROWS).join(', ')}${unrouted.length > MAX_ROWS ? ', ...' : ''}`, '');
  return lines.join('\n');
}
