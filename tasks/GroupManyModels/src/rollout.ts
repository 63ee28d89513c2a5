import type { OutputName } from '../contract.generated';
import type { LatestModel } from '../../../shared/aml/models';
import type { ArmClients } from '../../../shared/azure/arm-client';
import type { DatastoreBlobs } from '../../../shared/aml/datastore-blobs';
import { settleWithLimit } from '../../../shared/concurrency';
import { deleteContainerGroup } from '../../../shared/deploy/container-groups';
import { DeploymentFailedError, deployInferenceContainer, packageImageRegistry } from '../../../shared/deploy/container-instance';
import { packageModel } from '../../../shared/deploy/model-source';
import { deleteEndpoint, deploymentBody, ensureEndpoint } from '../../../shared/aml/online-endpoints';
import type { Wait } from '../../../shared/azure/lro';
import { errorMessage } from '../../../shared/errors';
import type { Plan, PlannedContainer } from '../../../shared/grouping/planner';
import { printLogTail } from '../../../shared/platform/platform';
import { sha256Hex } from '../../../shared/hash';
import type { TaskDeps } from '../../../shared/task-deps';
import { replaceServingDeployment } from './blue-green';
import type { GroupParams, Target } from './inputs';
import { receiversOf, type DeployedRoutingMap, type Outcome, type ServiceInfo } from './routing-map';

/** Mounted beside each container's models: its members and where their files are under AZUREML_MODEL_DIR. */
export const MANIFEST_FILE = 'many-models-manifest.json';

/** What every container deployment shares: the base environment and where it runs. */
export interface Rollout {
  params: GroupParams;
  deps: TaskDeps<OutputName>;
  clients: ArmClients;
  computeId?: string;
  models: Map<string, LatestModel>;
  /** The workspace's region, for container groups without a location of their own. */
  location: string;
  /** What every deployment of the run shares, prepared by the first one. */
  shared: () => Promise<SharedDeployment>;
}

export interface SharedDeployment {
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
  const wait: Wait = { deadlineMs: params.deadlineMs, clock, progress };
  const shared = await r.shared();
  const members = c.models.map((m) => ({ name: m.name, version: m.version, id: (r.models.get(m.name) as LatestModel).id }));
  // Content-addressed: the same members give the same manifest blob, and so the same package.
  const manifest = Buffer.from(
    `${JSON.stringify({ container: c.name, group: c.group, models: members.map((m) => ({ name: m.name, version: m.version, path: `${m.name}/${m.version}` })) }, null, 2)}\n`,
  );
  const manifestPath = `LocalUpload/${sha256Hex(manifest).slice(0, 32)}/${MANIFEST_FILE}`;
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
    environmentVariables: {
      MANY_MODELS_CONTAINER: c.name,
      MANY_MODELS_MANIFEST: MANIFEST_FILE,
      MANY_MODELS_MEMBERS: members.map((m) => `${m.name}:${m.version}`).join(','),
    },
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
    const spec = {
      image: pkg.image,
      location: deploy.location ?? r.location,
      cpu: deploy.cpu,
      memoryGb: deploy.memoryGb,
      dnsNameLabel: c.name,
      environmentVariables: deploy.environmentVariables,
      secureEnvironmentVariables: {},
      registry: await packageImageRegistry(clients, params.workspace, pkg.image, { input: 'target' }, (v) => platform.setSecret(v)),
      subnetIds: [],
      tags,
    };
    const served = await deployInferenceContainer(clients, ref, spec, wait);
    return { kind: 'aci', scoringUri: served.scoringUri, resourceId: served.id };
  }
  const { endpoint } = await ensureEndpoint(
    clients,
    params.workspace,
    { name: c.name, location: r.location, authMode: deploy.authMode, computeId: r.computeId, tags },
    wait,
  );
  // The package holds the models, the scoring code and the server: no model or code configuration.
  const body = deploymentBody({
    location: endpoint.location,
    tags,
    compute: deploy.target === 'kubernetes' ? 'kubernetes' : 'managed',
    environmentId: pkg.environmentId,
    instanceCount: deploy.instanceCount,
    properties: { environmentVariables: deploy.environmentVariables, ...(deploy.instanceType ? { instanceType: deploy.instanceType } : {}) },
  });
  const served = await replaceServingDeployment(clients, params.workspace, c.name, body, wait);
  return { kind: deploy.target, scoringUri: served.scoringUri, resourceId: endpoint.id };
}

async function removeContainer(r: Rollout, name: string, kind: Target): Promise<void> {
  const { params, deps } = r;
  const wait = { deadlineMs: params.deadlineMs, clock: deps.clock, progress: (m: string) => deps.platform.info(`[${name}] ${m}`) };
  if (kind === 'aci')
    await deleteContainerGroup(
      r.clients,
      { subscriptionId: params.connection.subscriptionId, resourceGroup: params.deploy.containerResourceGroup, name },
      wait,
    );
  else await deleteEndpoint(r.clients, params.workspace, name, wait);
}

/**
 * Deploys new and changed containers at most `concurrency` at a time. A container that hands members to others
 * waits until they are up, and stays as it is when one of them failed; deletions come last, under the same rule.
 */
export async function roll(r: Rollout, plan: Plan, previous: DeployedRoutingMap | undefined, outcomes: Map<string, Outcome>): Promise<void> {
  const { platform } = r.deps;
  const receivers = receiversOf(plan, previous);
  const blockedBy = (name: string) =>
    [...(receivers.get(name) ?? [])].filter((n) => n !== name && ['failed', 'skipped'].includes(outcomes.get(n)?.state ?? ''));
  const record = (c: PlannedContainer, outcome: Outcome) => {
    outcomes.set(c.name, outcome);
    if (outcome.state === 'failed') platform.error(`Container ${c.name} (${c.action}) failed: ${outcome.error}`);
    else if (outcome.state === 'deployed')
      platform.info(`Container ${c.name} (${c.action}, ${c.models.length} model(s)) is serving at ${outcome.service.scoringUri}.`);
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
  const removed = await settleWithLimit(removable, r.params.concurrency, (c) =>
    removeContainer(r, c.name, previous?.containers[c.name]?.service?.kind ?? r.params.deploy.target),
  );
  removed.forEach((s, i) =>
    record(removable[i], s.status === 'fulfilled' ? { state: 'deleted' } : { state: 'failed', error: `could not be deleted: ${errorMessage(s.reason)}` }),
  );
}
