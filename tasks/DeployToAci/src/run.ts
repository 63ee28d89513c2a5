import { studioModelUrl } from '../../../shared/aml/studio';
import { checkWorkspace } from '../../../shared/aml/workspace';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { containerGroupExists } from '../../../shared/deploy/container-groups';
import { DeploymentFailedError, INFERENCE_CONTAINER, deployInferenceContainer, packageImageRegistry } from '../../../shared/deploy/container-instance';
import { packageModel, resolveEnvironment, resolveModel, uploadScoringCode, type EnvironmentSpec } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import { inGroup, printLogTail } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { OutputName } from '../contract.generated';
import type { TaskDeps } from '../../../shared/task-deps';
import type { AciParams } from './inputs';

export async function run(params: AciParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const progress = (m: string) => platform.info(m);
  const workspace = await checkWorkspace(clients, params.workspace);
  const location = params.location ?? workspace.location;
  if (!params.overwrite && (await containerGroupExists(clients, params.group))) {
    throw new InputError(
      'overwrite',
      `container group '${params.group.name}' already exists in resource group '${params.group.resourceGroup}'; set overwrite to true to update it.`,
    );
  }
  const model = await resolveModel(clients, params.workspace, params.modelName, params.modelVersion, params.productionTag);
  platform.info(`Model ${params.modelName} v${model.name} (${model.properties.modelUri}).`);

  let image = params.image as string;
  if (params.imageSource === 'modelPackage') {
    image = await inGroup(platform, 'Model package', async () => {
      const environmentId = await resolveEnvironment(clients, params.workspace, params.environment as EnvironmentSpec, `${params.modelName}-base`, params.tags);
      const code = await uploadScoringCode(clients, params.workspace, params.codePath as string, new DataPlaneClient(clock, progress));
      const pkg = await packageModel(clients, params.workspace, {
        model,
        modelName: params.modelName,
        environmentId,
        codeId: code.id,
        codeHash: code.hash,
        scoringScript: params.scoringScript,
        deadlineMs: params.deadlineMs,
        clock,
        progress,
      });
      platform.info(`${pkg.built ? 'Built' : 'Reusing'} image ${pkg.image}.`);
      return pkg.image;
    });
  }

  const registry =
    params.imageSource === 'modelPackage'
      ? await packageImageRegistry(clients, params.workspace, image, { auth: params.container.registry, input: params.registryInput }, (v) =>
          platform.setSecret(v),
        )
      : params.container.registry;
  try {
    const served = await inGroup(platform, `Container group ${params.group.name}`, () =>
      deployInferenceContainer(clients, params.group, { ...params.container, registry, image, location }, { deadlineMs: params.deadlineMs, clock, progress }),
    );
    const { scoringUri } = served;
    platform.setOutput('scoringUri', scoringUri);
    platform.setOutput('fqdn', served.host);
    platform.setOutput('image', image);
    platform.setOutput('containerGroupId', served.id);
    platform.uploadSummary(
      'Container instance',
      [
        `### ${params.modelName} v${model.name} on Azure Container Instances`,
        '',
        '| | |',
        '|---|---|',
        `| Container group | ${params.group.name} (${params.group.resourceGroup}, ${location}) |`,
        `| Image | ${image} |`,
        `| Scoring URI | ${scoringUri} |`,
        `| Resources | ${params.container.cpu} CPU, ${params.container.memoryGb} GB |`,
        `| Studio | [model ${params.modelName}:${model.name}](${studioModelUrl(params.workspace, params.modelName, model.name)}) |`,
        '',
      ].join('\n'),
    );
    return { outcome: 'Succeeded', message: `${params.modelName} v${model.name} is serving at ${scoringUri}.` };
  } catch (err) {
    if (err instanceof DeploymentFailedError) printLogTail(platform, `Last lines of the container logs (${INFERENCE_CONTAINER})`, err.logs);
    throw err;
  }
}
