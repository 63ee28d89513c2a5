import { studioUrlOfEndpointId } from '../../../shared/aml/studio';
import type { OutputName } from '../contract.generated';
import type { MissingTags, Plan } from '../../../shared/grouping/planner';
import type { Platform } from '../../../shared/platform/platform';
import type { ChangeGuard } from './change-guard';
import type { Outcome } from './routing-map';

const MAX_ROWS = 100;

function describe(outcome: Outcome | undefined): string {
  if (!outcome) return 'planned';
  switch (outcome.state) {
    case 'deployed': {
      const studio = studioUrlOfEndpointId(outcome.service.resourceId);
      return `deployed: ${outcome.service.scoringUri}${studio ? ` ([studio](${studio}))` : ''}`;
    }
    case 'failed':
      return `**failed**: ${outcome.error.replace(/\|/g, '\\|').slice(0, 200)}`;
    case 'skipped':
    case 'kept':
      return `${outcome.state}: ${outcome.reason}`;
    default:
      return outcome.state;
  }
}

/** One model without every splitting tag, as the user reads it: what is missing, a case hint, what happens to it. */
export function missingTagText(m: MissingTags): string {
  const hint = m.otherCase.length ? ` (it carries ${m.otherCase.map((t) => `'${t}'`).join(', ')}: tag names are case-sensitive)` : '';
  const fate = m.heldIn ? `keeps serving version ${m.heldIn.version} in ${m.heldIn.container}` : 'is not deployed';
  return `Model '${m.model}' has no value for splitting tag(s) ${m.missing.join(', ')}${hint}: it ${fate}.`;
}

/** The plan in the log: counts, the containers that change, models missing a tag, the change check. */
export function logPlan(platform: Platform<OutputName>, plan: Plan, guard: ChangeGuard, planMs: number): void {
  platform.info(
    `Plan (${planMs} ms): ${plan.counts.new} new, ${plan.counts.update} to update, ${plan.counts.unchanged} unchanged, ${plan.counts.delete} to delete container(s).`,
  );
  for (const m of plan.missingTags) platform.warning(missingTagText(m));
  for (const c of plan.containers.filter((x) => x.action !== 'unchanged'))
    platform.info(`  ${c.action.padEnd(6)} ${c.name} (${c.models.length} model(s))${c.reasons.join('; ') ? `: ${c.reasons.join('; ')}` : ''}`);
  platform.info(
    `Change check: ${guard.verdict}; of ${guard.served} served model(s) ${guard.moved.length} move and ${guard.removed.length} are removed (${guard.changedPercent}%, threshold ${guard.limitPercent}%).`,
  );
}

/** The error of a plan the change check stopped: what it would do, and the input that allows it. */
export function guardError(plan: Plan, guard: ChangeGuard, dryRun: boolean): string {
  const missing = plan.missingTags.length ? ` ${plan.missingTags.length} listed model(s) miss a splitting tag (see the warnings).` : '';
  return (
    `${dryRun ? 'Dry run: the plan would be stopped' : 'Stopped before any change'}: ${guard.reasons.join('; and ')}. ` +
    `Plan: ${plan.counts.new} new, ${plan.counts.update} to update, ${plan.counts.unchanged} unchanged, ${plan.counts.delete} to delete container(s).${missing} ` +
    "Check modelTagFilter, splittingTags and the models' tags; if the change is intended, set allowLargeChanges to true (or raise largeChangeThreshold)."
  );
}

/** The plan as markdown: counts, the change check, the containers that change (with their outcome once deployed), missing tags. */
export function planMarkdown(plan: Plan, guard: ChangeGuard, title: string, outcomes?: Map<string, Outcome>, unrouted: string[] = []): string {
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
    `Change check: **${guard.verdict}** (${guard.moved.length} moved and ${guard.removed.length} removed of ${guard.served} served model(s), ${guard.changedPercent}%; threshold ${guard.limitPercent}%)${guard.reasons.length ? `: ${guard.reasons.join('; ')}` : ''}.`,
    '',
  ];
  if (changed.length) {
    lines.push('| Container | Action | Models | Why | Outcome |', '|---|---|---|---|---|');
    for (const c of changed.slice(0, MAX_ROWS))
      lines.push(`| ${c.name} | ${c.action} | ${c.models.length} | ${c.reasons.join('; ') || '-'} | ${describe(outcomes?.get(c.name))} |`);
    if (changed.length > MAX_ROWS) lines.push(`| ... | ${changed.length - MAX_ROWS} more in the plan file | | | |`);
    lines.push('');
  }
  if (plan.missingTags.length) {
    lines.push('Models without every splitting tag:', '', ...plan.missingTags.slice(0, MAX_ROWS).map((m) => `- ${missingTagText(m)}`));
    if (plan.missingTags.length > MAX_ROWS) lines.push(`- ... ${plan.missingTags.length - MAX_ROWS} more in the plan file`);
    lines.push('');
  }
  if (unrouted.length)
    lines.push(
      `Models without a route after this run (their new container failed): ${unrouted.slice(0, MAX_ROWS).join(', ')}${unrouted.length > MAX_ROWS ? ', ...' : ''}`,
      '',
    );
  return lines.join('\n');
}
