import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DATASTORE, fileModelStore, type FileModelStore } from './model-files';
import { listWithIndex, loadModelIndex, saveModelIndex, type Listing } from './model-index';
import { listLatestModels, listModelContainers, type LatestModel } from '../../../shared/aml/models';
import { checkWorkspace } from '../../../shared/aml/workspace';
import type { ArmClients } from '../../../shared/azure/arm-client';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { resolveEnvironment, uploadScoringCode } from '../../../shared/deploy/model-source';
import { kubernetesComputeId } from '../../../shared/aml/computes';
import { CheckFailedError, InputError } from '../../../shared/errors';
import { planGroups, type Plan } from '../../../shared/grouping/planner';
import { once } from '../../../shared/lazy-modules';
import { inGroup, type Platform } from '../../../shared/platform/platform';
import type { RunResult } from '../../../shared/run-task';
import type { OutputName } from '../contract.generated';
import type { TaskDeps } from '../../../shared/task-deps';
import { guardPlan, type ChangeGuard } from './change-guard';
import type { GroupParams } from './inputs';
import { guardError, logPlan, planMarkdown } from './report';
import { checkQuotas, type QuotaCheck } from './quotas';
import { roll, type Rollout } from './rollout';
import { settleRouting, type Outcome } from './routing-map';
import { ROUTING_FILE, loadRoutingMap, routingMapContent, saveRoutingMap, type PreviousMap } from './routing-store';
import { HINT_SAMPLE, checkTagCase, noMatchError } from './tag-checks';

const LIST_CONCURRENCY = 16;

/**
 * The newest version of every model carrying the filter: the model containers paged, and versions read only for
 * models whose newest version is new or changed since the last run's listing index. A filter that matches nothing
 * is an input error.
 */
async function listModels(params: GroupParams, clients: ArmClients, platform: Platform<OutputName>, store: FileModelStore): Promise<IndexedListing> {
  const excluded = params.routingModelName.toLowerCase();
  const containers = (await listModelContainers(clients, params.workspace)).filter((c) => c.name.toLowerCase() !== excluded);
  const previous = await loadModelIndex(store, params.routingModelName);
  const listing = await listWithIndex(clients, params.workspace, containers, params.modelTagFilter ?? '', previous?.index, LIST_CONCURRENCY);
  const { models } = listing;
  if (!models.length && params.modelTagFilter) {
    const names = containers.map((c) => c.name);
    const sample = await listLatestModels(clients, params.workspace, names.slice(0, HINT_SAMPLE), { concurrency: LIST_CONCURRENCY });
    throw noMatchError(params.modelTagFilter, params.workspace.workspace, names.length, sample);
  }
  platform.info(
    `${models.length} registered model(s)${params.modelTagFilter ? ` carrying ${params.modelTagFilter}` : ''} (the routing model '${params.routingModelName}' excluded); versions read for ${listing.read} of ${containers.length} model(s), ${listing.reused} unchanged since the last listing.`,
  );
  return { ...listing, previousIndexSha: previous?.sha };
}

type IndexedListing = Listing & { previousIndexSha?: string };

interface Planned {
  models: LatestModel[];
  listing: IndexedListing;
  previous?: PreviousMap;
  plan: Plan;
  guard: ChangeGuard;
  quota: QuotaCheck;
}

/** Everything read and decided before any write: the listing, the previous map, the plan and its guard verdict. */
async function makePlan(
  params: GroupParams,
  deps: TaskDeps<OutputName>,
  clients: ArmClients,
  store: ReturnType<typeof fileModelStore>,
  computeId: string | undefined,
): Promise<Planned> {
  const { platform, clock } = deps;
  const target = params.deploy.target;
  const listing = await listModels(params, clients, platform, store);
  const { models } = listing;
  const previous = await loadRoutingMap(store, params.routingModelName);
  platform.info(
    previous
      ? `Routing map: model '${params.routingModelName}' version ${previous.version}, ${Object.keys(previous.map.containers).length} container(s) on ${previous.map.target}.`
      : `No routing map yet (model '${params.routingModelName}'): a first deployment.`,
  );
  if (previous && previous.map.target !== target && !params.plan.reset) {
    throw new InputError(
      'target',
      `'${target}' differs from the deployed containers' target '${previous.map.target}' (routing map version ${previous.version}); set reset to true to rebuild them on ${target}, which deletes the ${previous.map.target} ones (and allowLargeChanges to true, as that moves every model).`,
    );
  }
  checkTagCase('splittingTags', params.plan.splittingTags, models, previous?.map);
  checkTagCase('sortingTags', params.plan.sortingTags, models, undefined);
  const started = clock.now();
  const plan = planGroups(
    models.map((m) => ({ name: m.name, version: m.version, tags: m.tags })),
    previous?.map,
    params.plan,
  );
  const guard = guardPlan(plan, previous?.map, params.guard);
  logPlan(platform, plan, guard, clock.now() - started);
  const quota = await checkQuotas(clients, params.workspace, plan, target, computeId);
  return { models, listing, previous, plan, guard, quota };
}

/** plan.json, plan.md and the plan's output variables: written locally before anything changes in Azure. */
function writePlan(params: GroupParams, platform: Platform<OutputName>, { plan, guard, quota }: Planned): void {
  fs.mkdirSync(params.outputDirectory, { recursive: true });
  const planFile = path.join(params.outputDirectory, 'plan.json');
  const settings = { ...params.plan, ...params.guard };
  fs.writeFileSync(
    planFile,
    `${JSON.stringify({ target: params.deploy.target, settings, counts: plan.counts, changeGuard: guard, quotas: quota, containers: plan.containers, missingTags: plan.missingTags }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(params.outputDirectory, 'plan.md'), planMarkdown(plan, guard, `Many-models plan (${params.deploy.target})`));
  platform.setOutput('planFile', planFile);
  platform.setOutput('changeGuard', guard.verdict);
  platform.setOutput('newGroups', String(plan.counts.new));
  platform.setOutput('updatedGroups', String(plan.counts.update));
  platform.setOutput('unchangedGroups', String(plan.counts.unchanged));
  platform.setOutput('deletedGroups', String(plan.counts.delete));
}

function dryRun(params: GroupParams, platform: Platform<OutputName>, { models, previous, plan, guard }: Planned): RunResult {
  const target = params.deploy.target;
  const outcomes = new Map<string, Outcome>(
    plan.containers.map((c) => [
      c.name,
      c.action === 'delete'
        ? { state: 'deleted' }
        : { state: 'deployed', service: previous?.map.containers[c.name]?.service ?? { kind: target, scoringUri: '(not deployed yet)', resourceId: '' } },
    ]),
  );
  const planned = settleRouting(plan, previous?.map, outcomes, new Set(models.map((m) => m.name)), target);
  const routingMapFile = path.join(params.outputDirectory, ROUTING_FILE);
  fs.writeFileSync(routingMapFile, routingMapContent(planned.map));
  platform.setOutput('routingMapFile', routingMapFile);
  platform.uploadSummary('Many models', planMarkdown(plan, guard, `Many-models plan (${target}, dry run: nothing deployed)`));
  return {
    outcome: 'Succeeded',
    message: `Dry run: ${plan.counts.new} new, ${plan.counts.update} to update, ${plan.counts.delete} to delete; change check ${guard.verdict}; nothing deployed.`,
  };
}

export async function run(params: GroupParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection);
  const storage = new DataPlaneClient(clock, (m) => platform.info(m));
  const store = fileModelStore(clients, params.workspace, storage, (s) => platform.setSecret(s));
  const { deploy } = params;
  const workspace = await checkWorkspace(clients, params.workspace);
  const computeId = deploy.target === 'kubernetes' ? await kubernetesComputeId(clients, params.workspace, deploy.computeName as string) : undefined;

  const planned = await makePlan(params, deps, clients, store, computeId);
  const { models, previous, plan, guard, quota } = planned;
  writePlan(params, platform, planned);
  if (quota.problems.length) {
    platform.uploadSummary('Many models', planMarkdown(plan, guard, `Many-models plan (${deploy.target}): over quota, nothing changed`));
    throw new CheckFailedError(`The plan exceeds Azure ML's quotas: ${quota.problems.join('; ')}. Nothing was changed (see plan.json, quotas).`);
  }
  if (guard.verdict === 'blocked') {
    platform.uploadSummary('Many models', planMarkdown(plan, guard, `Many-models plan (${deploy.target}): stopped by the change check, nothing changed`));
    throw new CheckFailedError(guardError(plan, guard, params.dryRun));
  }
  if (guard.verdict === 'allowed') platform.warning(`Large change allowed by allowLargeChanges: ${guard.reasons.join('; ')}.`);
  if (params.dryRun) return dryRun(params, platform, planned);

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
  const outcomes = new Map<string, Outcome>(plan.containers.filter((c) => c.action === 'unchanged').map((c) => [c.name, { state: 'unchanged' }]));
  const rollStarted = clock.now();
  await inGroup(
    platform,
    `Roll out ${plan.counts.new + plan.counts.update} container(s), delete ${plan.counts.delete} (at most ${params.concurrency} at a time)`,
    () => roll(rollout, plan, previous?.map, outcomes),
  );
  platform.info(
    `Rolled out ${plan.counts.new + plan.counts.update} and deleted ${plan.counts.delete} container(s) in ${((clock.now() - rollStarted) / 1000).toFixed(2)} s.`,
  );
  return finish(params, platform, store, planned, outcomes);
}

/** Settles and registers the routing map, writes the summary and gives the task's result. */
async function finish(
  params: GroupParams,
  platform: Platform<OutputName>,
  store: ReturnType<typeof fileModelStore>,
  { models, listing, previous, plan, guard }: Planned,
  outcomes: Map<string, Outcome>,
): Promise<RunResult> {
  const { map, unrouted } = settleRouting(plan, previous?.map, outcomes, new Set(models.map((m) => m.name)), params.deploy.target);
  const routingMapFile = path.join(params.outputDirectory, ROUTING_FILE);
  fs.writeFileSync(routingMapFile, routingMapContent(map));
  platform.setOutput('routingMapFile', routingMapFile);
  const registered = await saveRoutingMap(store, params.routingModelName, map, previous, params.tags);
  await saveModelIndex(store, params.routingModelName, listing.index, listing.previousIndexSha);
  if (registered) platform.info(`Registered the routing map as model '${params.routingModelName}' version ${registered}.`);
  else if (previous) platform.info(`The routing map is unchanged (version ${previous.version}).`);

  const failed = plan.containers.flatMap((c) => {
    const o = outcomes.get(c.name);
    return o?.state === 'failed' ? [`${c.name} (${o.error.length > 240 ? `${o.error.slice(0, 240)}...` : o.error})`] : [];
  });
  platform.uploadSummary('Many models', planMarkdown(plan, guard, `Many models on ${params.deploy.target}`, outcomes, unrouted));
  if (failed.length) {
    return {
      outcome: 'Failed',
      message: `${failed.length} container(s) failed: ${failed.join(', ')}. The routing map keeps their models' previous routes${unrouted.length ? `; ${unrouted.length} new model(s) have no route yet` : ''}.`,
    };
  }
  const changed = plan.counts.new + plan.counts.update + plan.counts.delete;
  const done = changed
    ? `${plan.counts.new} new, ${plan.counts.update} updated, ${plan.counts.delete} deleted container(s); ${plan.counts.unchanged} unchanged.`
    : `Nothing to change: ${plan.counts.unchanged} container(s) up to date.`;
  // Models missing a splitting tag deploy nothing new until their tags are fixed: worth a visible result.
  if (plan.missingTags.length)
    return {
      outcome: 'SucceededWithIssues',
      message: `${done} ${plan.missingTags.length} model(s) miss a splitting tag (see the warnings): those served keep their previous version, new ones are not deployed.`,
    };
  return { outcome: 'Succeeded', message: done };
}
