import { checkWorkspace } from '../../../shared/aml/workspace';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DATASTORE, fileModelStore, readModelFile, registerFileModel, type FileModelStore } from '../../../shared/aml/model-files';
import { listLatestModels, listModelVersions, type LatestModel } from '../../../shared/aml/models';
import type { ArmClients } from '../../../shared/azure/arm-client';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { once } from '../../../shared/lazy-modules';
import type { DatastoreBlobs } from '../../../shared/azure/datastore-blobs';
import { settleWithLimit } from '../../../shared/concurrency';
import { deleteContainerGroup } from '../../../shared/deploy/container-groups';
import { DeploymentFailedError, deployInferenceContainer, type DeployWait } from '../../../shared/deploy/container-instance';
import { packageModel, resolveEnvironment, uploadScoringCode } from '../../../shared/deploy/model-source';
import { deleteEndpoint, deployWithFullTraffic, ensureEndpoint, kubernetesComputeId } from '../../../shared/deploy/online-deployments';
import { AzureError, InputError, errorMessage } from '../../../shared/errors';
import { planGroups, type Plan, type PlannedContainer } from '../../../shared/grouping/planner';
import { inGroup, printLogTail } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { TaskDeps } from '../../../shared/task-deps';
import type { GroupParams, Target } from './inputs';
import { planMarkdown } from './report';
import { parseRoutingMap, receiversOf, settleRouting, type DeployedRoutingMap, type Outcome, type ServiceInfo } from './routing-map';

const ROUTING_FILE = 'routing-map.json';
/** Mounted beside each container's models: its members and where their files are under AZUREML_MODEL_DIR. */
export const MANIFEST_FILE = 'many-models-manifest.json';
const DEPLOYMENT = 'models';
const LIST_CONCURRENCY = 16;

interface PreviousMap {
  map: DeployedRoutingMap;
  version: string;
  sha: string;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The latest version of the routing model, or nothing on a first deploy. An unreadable map stops the task. */
async function loadRoutingMap(store: FileModelStore, name: string): Promise<PreviousMap | undefined> {
  const [latest] = await listModelVersions(store.clients, store.ws, name);
  if (!latest) return undefined;
  const text = (await readModelFile(store, latest, name, ROUTING_FILE)).toString('utf8');
  try {
    return { map: parseRoutingMap(text, `Model '${name}' version '${latest.name}'`), version: latest.name, sha: latest.properties.tags?.routingMapSha256 ?? sha256(text) };
  } catch (err) {
    throw new AzureError(`${errorMessage(err)}; set routingModelName to a model of its own, or archive that version.`);
  }
}

/** What every container deployment shares: the base environment and where it runs. */
interface Rollout {
  params: GroupParams;
  deps: TaskDeps;
  clients: ArmClients;
  computeId?: string;
  models: Map<string, LatestModel>;
  /** The workspace's region, for container groups without a location of their own. */
  location: string;
  /** What every deployment of the run shares, prepared by the first one. */
  shared: () => Promise<SharedDeployment>;
}

interface SharedDeployment {
  /** The scoring code, uploaded once for every container. */
  code: { id: string; hash: string };
  /** Where the manifests go (the workspace's default datastore). */
  blobs: DatastoreBlobs;
  environmentId: string;
}

async function deployContainer(r: Rollout, c: PlannedContainer): Promise<ServiceInfo> {
  const { params, deps, clients } = r;
  const { platform, clock } = deps;
  const progress = (m: string) => platform.info(`[${c.name}] ${m}`);
  const wait: DeployWait = { deadlineMs: params.deadlineMs, clock, progress };
  const shared = await r.shared();
  const members = c.models.map((m) => ({ name: m.name, version: m.version, id: (r.models.get(m.name) as LatestModel).id }));
  // Content-addressed: the same members give the same manifest blob, and so the same package.
  const manifest = Buffer.from(`${JSON.stringify({ container: c.name, group: c.group, models: members.map((m) => ({ name: m.name, version: m.version, path: `${m.name}/${m.version}` })) }, null, 2)}\n`);
  const manifestPath = `LocalUpload/${sha256(manifest).slice(0, 32)}/${MANIFEST_FILE}`;
  await shared.blobs.put(manifestPath, manifest);
  const [anchor] = members;
  const pkg = await packageModel(clients, params.workspace, {
    model: { id: anchor.id, name: anchor.version, properties: {} },
    modelName: anchor.name,
    environmentId: shared.environmentId,
    codeId: shared.code.id,
    codeHash: shared.code.hash,
    scoringScript: params.deploy.scoringScript,
    members,
    files: { [MANIFEST_FILE]: shared.blobs.uri(manifestPath) },
    environmentVariables: { MANY_MODELS_CONTAINER: c.name, MANY_MODELS_MANIFEST: MANIFEST_FILE, MANY_MODELS_MEMBERS: members.map((m) => `${m.name}:${m.version}`).join(',') },
    targetName: `${c.name}-package`,
    deadlineMs: params.deadlineMs,
    clock,
    progress,
  });
  progress(`${pkg.built ? 'Built' : 'Reusing'} image ${pkg.image} with ${members.length} model(s).`);
  const tags = { ...params.tags, ManyModelsContainer: c.name };
  const { deploy } = params;
  if (deploy.target === 'aci') {
    const ref = { subscriptionId: params.connection.subscriptionId, resourceGroup: deploy.containerResourceGroup, name: c.name };
    const spec = { image: pkg.image, location: deploy.location ?? r.location, cpu: deploy.cpu, memoryGb: deploy.memoryGb, dnsNameLabel: c.name, environmentVariables: deploy.environmentVariables, secureEnvironmentVariables: {}, subnetIds: [], tags };
    const served = await deployInferenceContainer(clients, ref, spec, wait);
    return { kind: 'aci', scoringUri: served.scoringUri, resourceId: served.id };
  }
  const { endpoint } = await ensureEndpoint(clients, params.workspace, { name: c.name, location: r.location, authMode: deploy.authMode, computeId: r.computeId, tags }, wait);
  const body = {
    location: endpoint.location,
    tags,
    ...(deploy.instanceCount ? { sku: { name: 'Default', capacity: deploy.instanceCount } } : {}),
    properties: {
      endpointComputeType: deploy.target === 'kubernetes' ? 'Kubernetes' : 'Managed',
      // The package holds the models, the scoring code and the server: no model or code configuration.
      environmentId: pkg.environmentId,
      environmentVariables: deploy.environmentVariables,
      ...(deploy.instanceType ? { instanceType: deploy.instanceType } : {}),
    },
  };
  const served = await deployWithFullTraffic(clients, params.workspace, c.name, DEPLOYMENT, body, wait);
  return { kind: deploy.target, scoringUri: served.scoringUri, resourceId: endpoint.id };
}

async function removeContainer(r: Rollout, name: string, kind: Target): Promise<void> {
  const { params, deps } = r;
  const wait = { deadlineMs: params.deadlineMs, clock: deps.clock, progress: (m: string) => deps.platform.info(`[${name}] ${m}`) };
  if (kind === 'aci') await deleteContainerGroup(r.clients, { subscriptionId: params.connection.subscriptionId, resourceGroup: params.deploy.containerResourceGroup, name }, wait);
  else await deleteEndpoint(r.clients, params.workspace, name, wait);
}

/**
 * Deploys new and changed containers at most `concurrency` at a time. A container that hands members to others
 * waits until they are up, and stays as it is when one of them failed; deletions come last, under the same rule.
 */
async function roll(r: Rollout, plan: Plan, previous: DeployedRoutingMap | undefined, outcomes: Map<string, Outcome>): Promise<void> {
  const { platform } = r.deps;
  const receivers = receiversOf(plan, previous);
  const blockedBy = (name: string) => [...(receivers.get(name) ?? [])].filter((n) => n !== name && ['failed', 'skipped'].includes(outcomes.get(n)?.state ?? ''));
  const record = (c: PlannedContainer, outcome: Outcome) => {
    outcomes.set(c.name, outcome);
    if (outcome.state === 'failed') platform.error(`Container ${c.name} (${c.action}) failed: ${outcome.error}`);
    else if (outcome.state === 'deployed') platform.info(`Container ${c.name} (${c.action}, ${c.models.length} model(s)) is serving at ${outcome.service.scoringUri}.`);
    else if (outcome.state === 'deleted') platform.info(`Container ${c.name} deleted.`);
    else if (outcome.state !== 'unchanged') platform.warning(`Container ${c.name} ${outcome.state}: ${outcome.reason}`);
  };
  let pending = plan.containers.filter((c) => c.action === 'new' || c.action === 'update');
  while (pending.length) {
    const waitsOn = (c: PlannedContainer) => [...(receivers.get(c.name) ?? [])].filter((n) => n !== c.name);
    let ready = pending.filter((c) => waitsOn(c).every((n) => outcomes.has(n)));
    // Members moving both ways between containers: no order satisfies both, so they go together.
    if (!ready.length) ready = pending;
    pending = pending.filter((c) => !ready.includes(c));
    const runnable: PlannedContainer[] = [];
    for (const c of ready) {
      const blockers = blockedBy(c.name);
      if (blockers.length) record(c, { state: 'skipped', reason: `left as it is: ${blockers.join(', ')} did not take over its models` });
      else runnable.push(c);
    }
    const settled = await settleWithLimit(runnable, r.params.concurrency, (c) => deployContainer(r, c));
    settled.forEach((s, i) => {
      const c = runnable[i];
      if (s.status === 'fulfilled') return record(c, { state: 'deployed', service: s.value });
      if (s.reason instanceof DeploymentFailedError) printLogTail(platform, `Last lines of the logs of ${c.name}`, s.reason.logs);
      record(c, { state: 'failed', error: errorMessage(s.reason) });
    });
  }
  const deletions = plan.containers.filter((c) => c.action === 'delete');
  const removable: PlannedContainer[] = [];
  for (const c of deletions) {
    const blockers = blockedBy(c.name);
    if (blockers.length) record(c, { state: 'kept', reason: `still serves models that ${blockers.join(', ')} did not take over` });
    else removable.push(c);
  }
  const removed = await settleWithLimit(removable, r.params.concurrency, (c) => removeContainer(r, c.name, previous?.containers[c.name]?.service?.kind ?? r.params.deploy.target));
  removed.forEach((s, i) => record(removable[i], s.status === 'fulfilled' ? { state: 'deleted' } : { state: 'failed', error: `could not be deleted: ${errorMessage(s.reason)}` }));
}

export async function run(params: GroupParams, deps: TaskDeps): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const storage = new DataPlaneClient(clock, (m) => platform.info(m));
  const store = fileModelStore(clients, params.workspace, storage, (s) => platform.setSecret(s));
  const { deploy } = params;
  const workspace = await checkWorkspace(clients, params.workspace);
  const computeId = deploy.target === 'kubernetes' ? await kubernetesComputeId(clients, params.workspace, deploy.computeName as string) : undefined;

  const models = await listLatestModels(clients, params.workspace, { tags: params.modelTagFilter, exclude: [params.routingModelName], concurrency: LIST_CONCURRENCY });
  platform.info(`${models.length} registered model(s)${params.modelTagFilter ? ` carrying ${params.modelTagFilter}` : ''} (the routing model '${params.routingModelName}' excluded).`);
  const previous = await loadRoutingMap(store, params.routingModelName);
  platform.info(previous ? `Routing map: model '${params.routingModelName}' version ${previous.version}, ${Object.keys(previous.map.containers).length} container(s) on ${previous.map.target}.` : `No routing map yet (model '${params.routingModelName}'): a first deployment.`);
  if (previous && previous.map.target !== deploy.target && !params.plan.reset) {
    throw new InputError('target', `'${deploy.target}' differs from the deployed containers' target '${previous.map.target}' (routing map version ${previous.version}); set reset to true to rebuild them on ${deploy.target}, which deletes the ${previous.map.target} ones.`);
  }

  const planStarted = clock.now();
  const plan = planGroups(models.map((m) => ({ name: m.name, version: m.version, tags: m.tags })), previous?.map, params.plan);
  platform.info(`Plan (${clock.now() - planStarted} ms): ${plan.counts.new} new, ${plan.counts.update} to update, ${plan.counts.unchanged} unchanged, ${plan.counts.delete} to delete container(s).`);
  for (const m of plan.missingTags) platform.warning(`Model '${m.model}' has no value for splitting tag(s) ${m.missing.join(', ')}: it is not deployed.`);
  for (const c of plan.containers.filter((x) => x.action !== 'unchanged')) platform.info(`  ${c.action.padEnd(6)} ${c.name} (${c.models.length} model(s))${c.reasons.length ? `: ${c.reasons.join('; ')}` : ''}`);

  fs.mkdirSync(params.outputDirectory, { recursive: true });
  const planFile = path.join(params.outputDirectory, 'plan.json');
  const routingMapFile = path.join(params.outputDirectory, ROUTING_FILE);
  fs.writeFileSync(planFile, `${JSON.stringify({ target: deploy.target, settings: params.plan, counts: plan.counts, containers: plan.containers, missingTags: plan.missingTags }, null, 2)}\n`);
  fs.writeFileSync(path.join(params.outputDirectory, 'plan.md'), planMarkdown(plan, `Many-models plan (${deploy.target})`));
  platform.setOutput('planFile', planFile);
  platform.setOutput('newGroups', String(plan.counts.new));
  platform.setOutput('updatedGroups', String(plan.counts.update));
  platform.setOutput('unchangedGroups', String(plan.counts.unchanged));
  platform.setOutput('deletedGroups', String(plan.counts.delete));

  const outcomes = new Map<string, Outcome>(plan.containers.filter((c) => c.action === 'unchanged').map((c) => [c.name, { state: 'unchanged' }]));
  if (params.dryRun) {
    const planned = settleRouting(plan, previous?.map, new Map(plan.containers.map((c) => [c.name, c.action === 'delete' ? { state: 'deleted' } : { state: 'deployed', service: previous?.map.containers[c.name]?.service ?? { kind: deploy.target, scoringUri: '(not deployed yet)', resourceId: '' } }])), new Set(models.map((m) => m.name)), deploy.target);
    fs.writeFileSync(routingMapFile, `${JSON.stringify(planned.map, null, 2)}\n`);
    platform.setOutput('routingMapFile', routingMapFile);
    platform.uploadSummary('Many models', planMarkdown(plan, `Many-models plan (${deploy.target}, dry run: nothing deployed)`));
    return { outcome: 'Succeeded', message: `Dry run: ${plan.counts.new} new, ${plan.counts.update} to update, ${plan.counts.delete} to delete; nothing deployed.` };
  }

  const rollout: Rollout = {
    params,
    deps,
    clients,
    computeId,
    location: workspace.location,
    models: new Map(models.map((m) => [m.name, m])),
    shared: once(async () => ({
      code: await uploadScoringCode(clients, params.workspace, deploy.codePath, storage),
      blobs: await store.open(DEFAULT_DATASTORE),
      environmentId: await resolveEnvironment(clients, params.workspace, deploy.environment, 'many-models-base', params.tags),
    })),
  };
  const rollStarted = clock.now();
  await inGroup(platform, `Roll out ${plan.counts.new + plan.counts.update} container(s), delete ${plan.counts.delete} (at most ${params.concurrency} at a time)`, () =>
    roll(rollout, plan, previous?.map, outcomes),
  );
  platform.info(`Rolled out ${plan.counts.new + plan.counts.update} and deleted ${plan.counts.delete} container(s) in ${((clock.now() - rollStarted) / 1000).toFixed(2)} s.`);

  const { map, unrouted } = settleRouting(plan, previous?.map, outcomes, new Set(models.map((m) => m.name)), deploy.target);
  const content = Buffer.from(`${JSON.stringify(map, null, 2)}\n`);
  fs.writeFileSync(routingMapFile, content);
  platform.setOutput('routingMapFile', routingMapFile);
  const sha = sha256(content);
  if (previous?.sha === sha) platform.info(`The routing map is unchanged (version ${previous.version}).`);
  else if (previous || Object.keys(map.containers).length) {
    const routedModels = Object.values(map.containers).reduce((n, c) => n + Object.keys(c.models).length, 0);
    const registered = await registerFileModel(store, params.routingModelName, ROUTING_FILE, content, {
      description: 'Routing map of GroupManyModels: which container serves each model, and its scoring URI (no keys).',
      tags: { ...params.tags, ModelType: '_meta_', routingMapSha256: sha, containers: String(Object.keys(map.containers).length), models: String(routedModels) },
    });
    platform.info(`Registered the routing map as model '${params.routingModelName}' version ${registered.name}.`);
  }

  const failed = plan.containers.flatMap((c) => {
    const o = outcomes.get(c.name);
    return o?.state === 'failed' ? [`${c.name} (${o.error.length > 240 ? `${o.error.slice(0, 240)}...` : o.error})`] : [];
  });
  platform.uploadSummary('Many models', planMarkdown(plan, `Many models on ${deploy.target}`, outcomes, unrouted));
  if (failed.length) {
    return { outcome: 'Failed', message: `${failed.length} container(s) failed: ${failed.join(', ')}. The routing map keeps their models' previous routes${unrouted.length ? `; ${unrouted.length} new model(s) have no route yet` : ''}.` };
  }
  const changed = plan.counts.new + plan.counts.update + plan.counts.delete;
  return { outcome: 'Succeeded', message: changed ? `${plan.counts.new} new, ${plan.counts.update} updated, ${plan.counts.delete} deleted container(s); ${plan.counts.unchanged} unchanged.` : `Nothing to change: ${plan.counts.unchanged} container(s) up to date.` };
}
