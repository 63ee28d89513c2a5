import { studioEndpointUrl, studioModelUrl } from '../../../shared/aml/studio';
import type { OutputName } from '../contract.generated';
import type { Platform } from '../../../shared/platform/platform';
import type { AksParams } from './inputs';

export interface RolloutReport {
  modelVersion: string;
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
      `### ${params.modelName} v${r.modelVersion} on ${params.endpointName}/${r.deployment}`,
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
      `| Studio | [endpoint ${params.endpointName}](${studioEndpointUrl(params.workspace, params.endpointName)}), [model ${params.modelName}:${r.modelVersion}](${studioModelUrl(params.workspace, params.modelName, r.modelVersion)}) |`,
      '',
    ].join('\n'),
  );
}
