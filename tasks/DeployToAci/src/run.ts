import { studioModelUrl } from '../../../shared/aml/studio';
import { checkWorkspace } from '../../../shared/aml/workspace';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { containerGroupExists } from '../../../shared/deploy/container-groups';
import { DeploymentFailedError, INFERENCE_CONTAINER, deployInferenceContainer, packageImageRegistry } from '../../../shared/deploy/container-instance';
import { DatastoreBlobs } from '../../../shared/aml/datastore-blobs';
import type { ModelVersion } from '../../../shared/aml/models';
import { findRegistry, getRegistryModel } from '../../../shared/aml/registries';
import { resolveModelChoice } from '../../../shared/deploy/model-registration';
import { packageModel, resolveEnvironment, uploadScoringCode, type EnvironmentSpec } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import { inGroup, printLogTail } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { OutputName } from '../contract.generated';
import type { TaskDeps } from '../../../shared/task-deps';
import type { AciParams } from './inputs';

/** The workspace model (registered from the YAML when it gives a path) and the image: the given one, or its model package. */
async function modelAndImage(params: AciParams, deps: TaskDeps<OutputName>): Promise<{ model: ModelVersion; modelName: string; image: string }> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const progress = (m: string) => platform.info(m);
  const storage = new DataPlaneClient(clock, progress);
  const openBlobs = DatastoreBlobs.lazy(clients, params.workspace, storage, (s) => platform.setSecret(s));
  const resolved = await resolveModelChoice(clients, params.workspace, params.model, `${params.group.name}-model`, openBlobs, params.tags);
  const modelName = resolved.name;
  const registryName = /^azureml:\/\/registries\/([^/]+)\//.exec(resolved.id)?.[1];
  // A registry model is packaged by its registry, into this workspace's environment.
  const registry = registryName ? await findRegistry(clients, params.workspace.subscriptionId, registryName) : undefined;
  if (registryName && !registry)
    throw new InputError(
      'modelName',
      `registry '${registryName}' of '${resolved.id}' is not in subscription '${params.workspace.subscriptionId}', or the service connection cannot see it.`,
    );
  const model = registry
    ? await getRegistryModel(clients, registry, modelName, resolved.version)
    : await clients.rest().tryGet<ModelVersion>(resolved.id, `Get model ${modelName} v${resolved.version}`);
  if (!model) throw new InputError('modelName', `model '${resolved.id}' does not exist.`);
  platform.info(`Model ${modelName} v${model.name} (${model.properties.modelUri})${resolved.outcome === 'registered' ? ': registered' : ''}.`);
  if (params.imageSource !== 'modelPackage') return { model, modelName, image: params.image as string };
  const image = await inGroup(platform, 'Model package', async () => {
    const environmentId = await resolveEnvironment(
      clients,
      params.workspace,
      params.environment as EnvironmentSpec,
      `${modelName}-base`,
      params.tags,
      openBlobs,
    );
    const scoring = params.code as { dir: string; scoringScript: string };
    const code = await uploadScoringCode(clients, params.workspace, scoring.dir, storage);
    const pkg = await packageModel(clients, params.workspace, {
      model,
      modelName,
      environmentId,
      codeId: code.id,
      codeHash: code.hash,
      scoringScript: scoring.scoringScript,
      registry,
      deadlineMs: params.deadlineMs,
      clock,
      progress,
    });
    platform.info(`${pkg.built ? 'Built' : 'Reusing'} image ${pkg.image}.`);
    return pkg.image;
  });
  return { model, modelName, image };
}

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
  for (const warning of params.configWarnings) platform.warning(warning);
  const { model, modelName, image } = await modelAndImage(params, deps);

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
        `### ${modelName} v${model.name} on Azure Container Instances`,
        '',
        '| | |',
        '|---|---|',
        `| Container group | ${params.group.name} (${params.group.resourceGroup}, ${location}) |`,
        `| Image | ${image} |`,
        `| Scoring URI | ${scoringUri} |`,
        `| Resources | ${params.container.cpu} CPU, ${params.container.memoryGb} GB |`,
        `| Studio | [model ${modelName}:${model.name}](${studioModelUrl(params.workspace, modelName, model.name)}) |`,
        '',
      ].join('\n'),
    );
    return { outcome: 'Succeeded', message: `${modelName} v${model.name} is serving at ${scoringUri}.` };
  } catch (err) {
    if (err instanceof DeploymentFailedError) printLogTail(platform, `Last lines of the container logs (${INFERENCE_CONTAINER})`, err.logs);
    throw err;
  }
}
