import { armCall } from '../../../shared/azure/arm-client';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { containerGroupExists, containerLogs, getContainerGroup, putContainerGroup } from '../../../shared/deploy/container-groups';
import { packageModel, resolveEnvironment, resolveModel, uploadScoringCode } from '../../../shared/deploy/model-source';
import { AzureError, InputError, TaskError, TimeoutError, errorMessage } from '../../../shared/errors';
import { inGroup } from '../../../shared/platform/platform';
import { sendScoringRequest } from '../../../shared/scoring/http';
import type { RunResult } from '../../../shared/run-task';
import type { TaskDeps } from '../../../shared/task-deps';
import type { AciParams } from './inputs';

const CONTAINER = 'model';
const INFERENCE_PORT = 5001;

function groupBody(params: AciParams, image: string, location: string): Record<string, unknown> {
  const probe = (initialDelaySeconds: number) => ({ httpGet: { path: '/', port: INFERENCE_PORT, scheme: 'http' }, initialDelaySeconds, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 });
  const registry = params.registry;
  return {
    location,
    tags: params.tags,
    ...(registry?.identity ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [registry.identity]: {} } } } : {}),
    properties: {
      osType: 'Linux',
      restartPolicy: 'Always',
      containers: [
        {
          name: CONTAINER,
          properties: {
            image,
            ports: [{ port: INFERENCE_PORT, protocol: 'TCP' }],
            resources: { requests: { cpu: params.cpu, memoryInGB: params.memoryGb } },
            environmentVariables: [
              ...Object.entries(params.environmentVariables).map(([name, value]) => ({ name, value })),
              ...Object.entries(params.secureEnvironmentVariables).map(([name, secureValue]) => ({ name, secureValue })),
            ],
            livenessProbe: probe(30),
            readinessProbe: probe(10),
          },
        },
      ],
      ipAddress: params.subnetIds.length ? { type: 'Private', ports: [{ port: INFERENCE_PORT, protocol: 'TCP' }] } : { type: 'Public', ports: [{ port: INFERENCE_PORT, protocol: 'TCP' }], dnsNameLabel: params.dnsNameLabel },
      ...(params.subnetIds.length ? { subnetIds: params.subnetIds.map((id) => ({ id })) } : {}),
      ...(registry ? { imageRegistryCredentials: [registry.identity ? { server: registry.server, identity: registry.identity } : { server: registry.server, username: registry.username, password: registry.password }] } : {}),
    },
  };
}

/** Status of the inference server's liveness route; 0 when it gives no answer. */
async function liveness(url: string): Promise<number> {
  try {
    return (await sendScoringRequest({ url, method: 'GET', headers: {}, timeoutMs: 5_000 })).status;
  } catch {
    return 0;
  }
}

export async function run(params: AciParams, deps: TaskDeps): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const progress = (m: string) => platform.info(m);
  if (!params.overwrite && (await containerGroupExists(clients, params.group))) {
    throw new InputError('overwrite', `container group '${params.group.name}' already exists in resource group '${params.group.resourceGroup}'; set overwrite to true to update it.`);
  }
  const model = await resolveModel(clients, params.workspace, params.modelName, params.modelVersion, params.productionTag);
  platform.info(`Model ${params.modelName} v${model.name} (${model.properties.modelUri}).`);

  let image = params.image as string;
  if (params.imageSource === 'modelPackage') {
    image = await inGroup(platform, 'Model package', async () => {
      const environmentId = await resolveEnvironment(clients, params.workspace, params.environment!, `${params.modelName}-base`, params.tags);
      const code = await uploadScoringCode(clients, params.workspace, params.codePath as string, new DataPlaneClient(clock, progress));
      const pkg = await packageModel(clients, params.workspace, { model, modelName: params.modelName, environmentId, codeId: code.id, codeHash: code.hash, scoringScript: params.scoringScript, deadlineMs: params.deadlineMs, clock, progress });
      platform.info(`${pkg.built ? 'Built' : 'Reusing'} image ${pkg.image}.`);
      return pkg.image;
    });
  }

  const location = params.location ?? (await armCall(`Get workspace '${params.workspace.workspace}'`, () => clients.ml().workspaces.get(params.workspace.resourceGroup, params.workspace.workspace))).location ?? '';
  const started = clock.now();
  try {
    await inGroup(platform, `Container group ${params.group.name}`, () => putContainerGroup(clients, params.group, groupBody(params, image, location), { deadlineMs: params.deadlineMs, clock, progress }));
    const group = await getContainerGroup(clients, params.group);
    const base = `http://${group.host}:${group.port}`;
    for (let attempt = 1; ; attempt++) {
      const status = await liveness(`${base}/`);
      if (status === 200) break;
      if (clock.now() - started > params.deadlineMs) throw new TimeoutError(`Container group '${params.group.name}' did not answer its liveness route ${base}/ within ${Math.round(params.deadlineMs / 60_000)} min (last: ${status || 'no answer'}).`);
      platform.info(`Waiting for the inference server at ${base}/ (${status || 'no answer'}).`);
      await clock.sleep(Math.min(10_000, 1_000 * attempt));
    }
    const scoringUri = `${base}/score`;
    platform.setOutput('scoringUri', scoringUri);
    platform.setOutput('fqdn', group.host);
    platform.setOutput('image', image);
    platform.setOutput('containerGroupId', group.id);
    platform.uploadSummary('Container instance', [
      `### ${params.modelName} v${model.name} on Azure Container Instances`,
      '',
      '| | |',
      '|---|---|',
      `| Container group | ${params.group.name} (${params.group.resourceGroup}, ${location}) |`,
      `| Image | ${image} |`,
      `| Scoring URI | ${scoringUri} |`,
      `| Resources | ${params.cpu} CPU, ${params.memoryGb} GB |`,
      '',
    ].join('\n'));
    return { outcome: 'Succeeded', message: `${params.modelName} v${model.name} is serving at ${scoringUri}.` };
  } catch (err) {
    const logs = await containerLogs(clients, params.group, CONTAINER);
    if (logs.trim()) {
      platform.startGroup(`Last lines of the container logs (${CONTAINER})`);
      for (const line of logs.trimEnd().split('\n').slice(-50)) platform.info(line);
      platform.endGroup();
    }
    if (err instanceof TaskError) throw err;
    throw new AzureError(`Deploying container group '${params.group.name}' failed: ${errorMessage(err)}`);
  }
}
