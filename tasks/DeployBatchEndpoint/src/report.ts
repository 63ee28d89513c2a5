import { studioEndpointUrl } from '../../../shared/aml/studio';
import type { Platform } from '../../../shared/platform/platform';
import type { OutputName } from '../contract.generated';
import type { BatchParams } from './inputs';

export interface BatchReport {
  what: string;
  change: 'created' | 'updated' | 'unchanged';
  defaultDeployment?: string;
  invocationUri: string;
}

/** The task's outputs and its run summary. */
export function report(params: BatchParams, platform: Platform<OutputName>, r: BatchReport): void {
  platform.setOutput('endpointName', params.endpointName);
  platform.setOutput('deploymentName', params.deploymentName);
  platform.setOutput('invocationUri', r.invocationUri);
  const settings = Object.entries(params.settings).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  platform.uploadSummary(
    'Batch endpoint',
    [
      `### ${r.what} on ${params.endpointName}/${params.deploymentName}`,
      '',
      '| | |',
      '|---|---|',
      `| Deployment | ${params.deploymentName} (${r.change}) |`,
      `| Default deployment | ${r.defaultDeployment ?? '-'} |`,
      `| Compute | ${params.computeName ?? '-'} |`,
      ...(settings.length ? [`| Settings | ${settings.join(', ')} |`] : []),
      `| Invocation URI | ${r.invocationUri} |`,
      `| Studio | [batch endpoint ${params.endpointName}](${studioEndpointUrl(params.workspace, params.endpointName).replace('/endpoints/realtime/', '/endpoints/batch/')}) |`,
      '',
      '| Value | From |',
      '|---|---|',
      ...params.sources.map((s) => `| ${s.what} | ${s.from} |`),
      '',
    ].join('\n'),
  );
}
