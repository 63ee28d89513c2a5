import { getRegistry, registryRegions, shareModelVersion } from '../../../shared/aml/registries';
import { studioModelUrl } from '../../../shared/aml/studio';
import { checkWorkspace } from '../../../shared/aml/workspace';
import type { Wait } from '../../../shared/azure/lro';
import { resolveModel } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import type { RunResult } from '../../../shared/run-task';
import type { TaskDeps } from '../../../shared/task-deps';
import type { OutputName } from '../contract.generated';
import type { PromoteParams } from './inputs';

/** The target workspace, checked before anything is shared: it exists, and the registry replicates to its region. */
async function checkTarget(params: PromoteParams, deps: TaskDeps<OutputName>, regions: string[]): Promise<string | undefined> {
  if (!params.target) return undefined;
  const clients = deps.arm(params.connection);
  const target = await checkWorkspace(clients, params.target).catch((err: unknown) => {
    if (err instanceof InputError)
      throw new InputError(err.input === 'resourceGroupName' ? 'targetResourceGroupName' : 'targetWorkspaceName', err.message.replace(/^Input '[^']+': /, ''));
    throw err;
  });
  if (!regions.includes(target.location.toLowerCase()))
    throw new InputError(
      'targetWorkspaceName',
      `workspace '${params.target.workspace}' is in ${target.location}, and registry '${params.registry.registry}' replicates only to ${regions.join(', ')}; add the region to the registry or choose another.`,
    );
  return target.location;
}

export async function run(params: PromoteParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const wait: Wait = { deadlineMs: params.deadlineMs, clock, progress: (m) => platform.info(m) };
  await checkWorkspace(clients, params.workspace);
  const source = await resolveModel(clients, params.workspace, params.modelName, params.modelVersion, params.productionTag);
  const registry = await getRegistry(clients, params.registry);
  if (!registry)
    throw new InputError(
      'registryName',
      `registry '${params.registry.registry}' does not exist in resource group '${params.registry.resourceGroup}', or the service connection cannot see it.`,
    );
  const targetRegion = await checkTarget(params, deps, registryRegions(registry));
  const name = params.destinationName;
  const version = params.destinationVersion ?? source.name;
  const label = `${params.modelName} v${source.name}`;
  const { uri, outcome } = await shareModelVersion(
    clients,
    params.workspace,
    { modelName: params.modelName, version: source },
    params.registry,
    { name, version },
    wait,
    (message) => new InputError('destinationVersion', `${message}: choose another destinationVersion.`),
  );
  platform.info(
    outcome === 'shared'
      ? `Shared ${label} into registry '${params.registry.registry}' as ${uri}.`
      : `${uri} already holds ${label} (same tags and type): nothing to share.`,
  );
  platform.setOutput('registryModelId', uri);
  platform.setOutput('modelName', name);
  platform.setOutput('modelVersion', version);
  const tags = Object.entries(source.properties.tags ?? {}).map(([k, v]) => `${k}=${v}`);
  platform.uploadSummary(
    'Model promotion',
    [
      `### ${label} → ${uri}`,
      '',
      '| | |',
      '|---|---|',
      `| Source | [${label}](${studioModelUrl(params.workspace, params.modelName, source.name)}) in ${params.workspace.workspace} |`,
      `| Registry | ${params.registry.registry} (${registryRegions(registry).join(', ')}) |`,
      `| Outcome | ${outcome} |`,
      `| Lineage tags | ${tags.join(', ') || '-'} |`,
      `| Target workspace | ${params.target ? `${params.target.workspace} (${targetRegion}): deploy with modelName ${uri}` : '-'} |`,
      '',
    ].join('\n'),
  );
  return { outcome: 'Succeeded', message: `${label} ${outcome === 'shared' ? 'shared' : 'was already'} in registry '${params.registry.registry}' as ${uri}.` };
}
