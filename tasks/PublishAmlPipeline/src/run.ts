import { checkWorkspace, workspacePath } from '../../../shared/aml/workspace';
import { listAssetVersions } from '../../../shared/aml/assets';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { inGroup } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { OutputName } from '../contract.generated';
import type { TaskDeps } from '../../../shared/task-deps';
import type { PublishParams } from './inputs';
import { PipelinePublisher, VERB, type PublishAction } from './publish';
import { DatastoreBlobs } from '../../../shared/aml/datastore-blobs';

function studioLink(params: PublishParams, name: string, version: string): string {
  return `https://ml.azure.com/components/${encodeURIComponent(name)}/${encodeURIComponent(version)}/details?wsid=${workspacePath(params.workspace)}`;
}

function summary(params: PublishParams, componentId: string, actions: PublishAction[], archived: string[]): string {
  return [
    `### ${params.dryRun ? 'Dry run: pipeline component not published' : 'Pipeline component published'}`,
    '',
    `**[${params.componentName}:${params.componentVersion}](${studioLink(params, params.componentName, params.componentVersion)})** in workspace \`${params.workspace.workspace}\``,
    '',
    `Component id: \`${componentId}\``,
    '',
    '| Asset | Name | Version | Result | Detail |',
    '|---|---|---|---|---|',
    ...actions.map((a) => `| ${a.kind} | ${a.name} | ${a.version} | ${VERB[a.outcome]} | ${(a.detail ?? '').replace(/\|/g, '\\|')} |`),
    ...(archived.length ? ['', `Archived previous versions: ${archived.join(', ')}`] : []),
    '',
  ].join('\n');
}

export async function run(params: PublishParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform } = deps;
  const clients = deps.arm(params.connection);
  await checkWorkspace(clients, params.workspace);
  const storage = new DataPlaneClient(deps.clock, (m) => platform.info(m));
  for (const warning of params.pipeline.warnings) platform.warning(warning);
  const publisher = new PipelinePublisher({
    clients,
    ws: params.workspace,
    storage,
    blobs: DatastoreBlobs.lazy(clients, params.workspace, storage, (s) => platform.setSecret(s)),
    version: params.componentVersion,
    tags: params.tags,
    dryRun: params.dryRun,
    log: (m) => platform.info(m),
  });
  platform.info(
    `${params.dryRun ? 'Dry run: validating' : 'Publishing'} ${params.pipelineFile} as component ${params.componentName}:${params.componentVersion}`,
  );
  const componentId = await inGroup(platform, 'Code, environments and components', () => publisher.pipeline(params.pipeline, params.componentName));

  const archived: string[] = [];
  if (params.archivePreviousVersions) {
    for (const old of await listAssetVersions(clients, params.workspace, 'components', params.componentName)) {
      if (old.name === params.componentVersion) continue;
      archived.push(old.name);
      if (!params.dryRun) {
        await clients.rest().request('PUT', old.id, {
          operation: `Archive component '${params.componentName}' version '${old.name}'`,
          body: { properties: { ...old.properties, isArchived: true } },
        });
      }
      platform.info(`component ${params.componentName}:${old.name} ${params.dryRun ? 'would be archived' : 'archived'}`);
    }
  }

  platform.setOutput('componentId', componentId);
  platform.setOutput('componentName', params.componentName);
  platform.setOutput('componentVersion', params.componentVersion);
  platform.uploadSummary('Azure ML pipeline', summary(params, componentId, publisher.actions, archived));
  const created = publisher.actions.filter((a) => a.outcome === 'created' || a.outcome === 'uploaded').length;
  const message = params.dryRun
    ? `Dry run: ${publisher.actions.filter((a) => a.outcome === 'wouldCreate' || a.outcome === 'wouldUpload').length} asset(s) would be written; nothing was.`
    : `Published ${params.componentName}:${params.componentVersion} (${created} asset(s) written, ${publisher.actions.length - created} unchanged).`;
  return { outcome: 'Succeeded', message };
}
