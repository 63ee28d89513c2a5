import { studioJobUrl, studioModelUrl } from '../../../shared/aml/studio';
import type { ModelVersion } from '../../../shared/aml/models';
import type { TaskDeps } from '../../../shared/task-deps';
import type { OutputName } from '../contract.generated';
import type { EvaluateParams } from './inputs';

/** What the gate decided, as the `decision` output and the version's properties keep it. */
export interface Decision {
  job: string;
  better: boolean;
  champion: { version: string; source: string } | null;
  rules: { metric: string; candidate: number; champion: number | null; required: string; pass: boolean; note?: string }[];
  action: 'registered' | 'registeredNotPromoted' | 'skipped' | 'failed' | 'alreadyRegistered';
  promoted?: { tag: string; to: string; from: string[] };
}

/** The gate's verdict as the run summary's markdown. */
function summary(params: EvaluateParams, d: Decision, version?: string): string {
  const verdict = {
    registered: 'registered and promoted',
    registeredNotPromoted: 'registered (not promoted)',
    skipped: 'not registered',
    failed: 'not registered',
    alreadyRegistered: 'already registered',
  }[d.action];
  return [
    `### ${d.better ? 'Better than the champion' : d.champion ? 'Not better than the champion' : 'First model'}: ${params.modelName}${version ? ` v${version}` : ''} ${verdict}`,
    '',
    `Job [\`${d.job}\`](${studioJobUrl(params.workspace, d.job)}); champion: ${d.champion ? `v${d.champion.version} (metrics from the ${d.champion.source})` : 'none'}.${version ? ` Model: [${params.modelName}:${version}](${studioModelUrl(params.workspace, params.modelName, version)}).` : ''}`,
    '',
    '| Metric | Rule | Candidate | Champion | Required | Result |',
    '|---|---|---|---|---|---|',
    ...d.rules.map(
      (r) =>
        `| ${r.metric} | \`${params.rules.find((x) => x.metric === r.metric)?.text}\` | ${r.candidate} | ${r.champion ?? '-'} | ${r.required}${r.note ? ` (${r.note})` : ''} | ${r.pass ? 'pass' : '**fail**'} |`,
    ),
    ...(d.promoted
      ? ['', `Promoted ${d.promoted.tag} to v${d.promoted.to}${d.promoted.from.length ? `, removed from v${d.promoted.from.join(', v')}` : ''}.`]
      : []),
    '',
  ].join('\n');
}

export function report(
  params: EvaluateParams,
  deps: TaskDeps<OutputName>,
  decision: Decision,
  registered: ModelVersion | undefined,
  registryModelId?: string,
): void {
  const { platform } = deps;
  const metrics = (pick: (r: Decision['rules'][number]) => number | null) =>
    JSON.stringify(Object.fromEntries(decision.rules.filter((r) => pick(r) !== null).map((r) => [r.metric, pick(r)])));
  platform.setOutput(
    'candidateMetrics',
    metrics((r) => r.candidate),
  );
  platform.setOutput(
    'championMetrics',
    metrics((r) => r.champion),
  );
  platform.setOutput('registryModelId', registryModelId ?? '');
  platform.setOutput('registered', String(registered !== undefined));
  platform.setOutput('modelName', params.modelName);
  platform.setOutput('modelVersion', registered?.name ?? '');
  platform.setOutput('modelId', registered?.id ?? '');
  platform.setOutput('championVersion', decision.champion?.version ?? '');
  platform.setOutput('decision', JSON.stringify(decision));
  const shared = registryModelId ? `\nShared into the registry as \`${registryModelId}\`.\n` : '';
  platform.uploadSummary('Model gate', summary(params, decision, registered?.name) + shared);
}
