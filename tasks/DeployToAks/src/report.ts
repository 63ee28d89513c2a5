import { studioEndpointUrl, studioModelUrl } from '../../../shared/aml/studio';
import type { OutputName } from '../contract.generated';
import type { Platform } from '../../../shared/platform/platform';
import type { AksParams } from './inputs';

/** The summary's sources table: each value and the input or file:line it came from. */
function sourcesTable(params: AksParams): string[] {
  if (!params.sources.length) return [];
  return ['', '| Value | From |', '|---|---|', ...params.sources.map((s) => `| ${s.what} | ${s.from} |`)];
}

export interface RolloutReport {
  model: { name: string; version: string };
  deployment: string;
  replaced?: string;
  traffic: Record<string, number>;
  scoringUri: string;
}

/** The task's outputs and its run summary. */
export function report(params: AksParams, platform: Platform<OutputName>, r: RolloutReport): void {
  platform.setOutput('scoringUri', r.scoringUri);
  platform.setOutput('endpointName', params.endpointName);
  platform.setOutput('deploymentName', r.deployment);
  platform.setOutput('previousDeploymentName', r.replaced ?? '');
  platform.setOutput('traffic', JSON.stringify(r.traffic));
  const strategy =
    r.replaced === r.deployment
      ? 'none: already live'
      : `${params.trafficStrategy}${params.trafficStrategy === 'canary' ? ` (${params.canarySteps.join(', ')})` : ''}`;
  platform.uploadSummary(
    'Online endpoint',
    [
      `### ${r.model.name} v${r.model.version} on ${params.endpointName}/${r.deployment}`,
      '',
      '| | |',
      '|---|---|',
      `| Compute | ${params.computeType === 'kubernetes' ? `Kubernetes (${params.computeName})` : 'managed'} |`,
      `| Strategy | ${strategy} |`,
      `| Traffic | ${
        Object.entries(r.traffic)
          .map(([d, p]) => `${d}: ${p}%`)
          .join(', ') || 'none'
      } |`,
      `| Previous deployment | ${r.replaced && r.replaced !== r.deployment ? `${r.replaced}${params.deleteOldDeployment ? ' (deleted)' : ''}` : '-'} |`,
      `| Scoring URI | ${r.scoringUri} |`,
      `| Studio | [endpoint ${params.endpointName}](${studioEndpointUrl(params.workspace, params.endpointName)}), [model ${r.model.name}:${r.model.version}](${studioModelUrl(params.workspace, r.model.name, r.model.version)}) |`,
      ...sourcesTable(params),
      '',
    ].join('\n'),
  );
}
