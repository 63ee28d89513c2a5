import { shareModelVersion } from '../../../shared/aml/registries';
import { checkWorkspace } from '../../../shared/aml/workspace';
import { getJob, latestJobWithTag, type JobResource } from './jobs';
import { MlflowClient } from '../../../shared/aml/mlflow';
import { listModelVersions, nextModelVersion, putModelVersion, type ModelVersion } from '../../../shared/aml/models';
import type { ArmClients } from '../../../shared/azure/arm-client';
import { AzureError, CheckFailedError, InputError } from '../../../shared/errors';
import type { RunResult } from '../../../shared/run-task';
import type { TaskDeps } from '../../../shared/task-deps';
import type { OutputName } from '../contract.generated';
import { MODEL_TYPES } from '../../../shared/aml/models';
import type { EvaluateParams } from './inputs';
import { report, type Decision } from './report';
import { evaluateRule, type RuleResult } from './rules';

const PLAN_TAG = 'AzureDevOpsPlanId';
/** Tag recording the gate's verdict on a registered version, so a re-run converges without re-deciding. */
const GATE_TAG = 'gate';
/** The decision of the run that registered a version, kept in its write-once properties: a re-run reports it as it was. */
const DECISION_PROPERTY = 'azureml-tasks.gateDecision';

interface ChampionInfo {
  version: ModelVersion;
  metrics: Record<string, number>;
  source: string;
}

async function findJob(params: EvaluateParams, clients: ArmClients, mlflow: MlflowClient): Promise<JobResource> {
  const job = params.jobName
    ? await getJob(clients, params.workspace, params.jobName)
    : await latestJobWithTag(clients, params.workspace, PLAN_TAG, params.planId as string);
  if (!job) throw new AzureError(`No job tagged ${PLAN_TAG}=${params.planId} was found in workspace '${params.workspace.workspace}'; set jobName.`);
  const outputs = Object.keys(job.properties.outputs ?? {});
  if (!params.modelUri && !outputs.includes(params.modelOutputName)) {
    throw new InputError(
      'modelOutputName',
      `job '${job.name}' has no output '${params.modelOutputName}'; its outputs: ${outputs.join(', ') || 'none'} (or give modelPath).`,
    );
  }
  if (job.properties.status !== 'Completed') {
    const reason = job.properties.status === 'Failed' ? await mlflow.failureReason(job.name) : undefined;
    throw new CheckFailedError(
      `Job '${job.name}' is ${job.properties.status ?? 'in an unknown state'}, not Completed: there is no trained model to evaluate.${reason ? ` ${reason}` : ''}`,
    );
  }
  return job;
}

async function findChampion(params: EvaluateParams, clients: ArmClients, mlflow: MlflowClient): Promise<ChampionInfo | undefined> {
  const c = params.champion;
  if (c.kind === 'none') return undefined;
  const [version] = await listModelVersions(clients, params.workspace, params.modelName, c.kind === 'tag' ? `${c.key}=${c.value}` : undefined);
  if (!version) return undefined;
  const jobName = version.properties.jobName;
  const fromJob = jobName ? await mlflow.metrics(jobName, params.metricsSource).catch(() => undefined) : undefined;
  if (fromJob && Object.keys(fromJob.metrics).length) return { version, metrics: fromJob.metrics, source: `MLflow run of its training job '${jobName}'` };
  const tags = version.properties.tags ?? {};
  const metrics = Object.fromEntries(
    params.rules.filter((r) => tags[r.metric] !== undefined && Number.isFinite(Number(tags[r.metric]))).map((r) => [r.metric, Number(tags[r.metric])]),
  );
  return { version, metrics, source: 'metric tags stored on the version' };
}

/**
 * Tags the new holder first (a version registered by this run carries the tag from its first write), then takes
 * the tag off every previous holder, so the tag is never unassigned and never moves to a version that failed to
 * register. Idempotent: a re-run completes a move that stopped half-way.
 */
async function promote(params: EvaluateParams, clients: ArmClients, version: ModelVersion): Promise<Decision['promoted']> {
  const tag = params.promoteTag as { key: string; value: string };
  const tags = version.properties.tags ?? {};
  if (tags[tag.key] !== tag.value) {
    await putModelVersion(
      clients,
      params.workspace,
      params.modelName,
      version.name,
      { ...version.properties, tags: { ...tags, [tag.key]: tag.value } },
      `Tag model '${params.modelName}' version '${version.name}' ${tag.key}=${tag.value}`,
    );
  }
  const from: string[] = [];
  for (const holder of await listModelVersions(clients, params.workspace, params.modelName, `${tag.key}=${tag.value}`)) {
    if (holder.name === version.name) continue;
    const rest = Object.fromEntries(Object.entries(holder.properties.tags ?? {}).filter(([k]) => k !== tag.key));
    await putModelVersion(
      clients,
      params.workspace,
      params.modelName,
      holder.name,
      { ...holder.properties, tags: rest },
      `Remove ${tag.key}=${tag.value} from model '${params.modelName}' version '${holder.name}'`,
    );
    from.push(holder.name);
  }
  return { tag: `${tag.key}=${tag.value}`, to: version.name, from };
}

/**
 * A re-run for a job whose model this task registered already: the same outputs as that run, nothing new. A
 * promotion the first run decided but did not finish (no newer version holds the tag) is completed.
 */
async function rerun(params: EvaluateParams, deps: TaskDeps<OutputName>, clients: ArmClients, existing: ModelVersion, decision: Decision): Promise<RunResult> {
  deps.platform.info(
    `Model ${params.modelName} v${existing.name} already holds job ${decision.job}: nothing registered; reporting the decision of the run that registered it.`,
  );
  const tag = params.promoteTag;
  if (decision.promoted && tag) {
    const holders = await listModelVersions(clients, params.workspace, params.modelName, `${tag.key}=${tag.value}`);
    const unfinished = holders.some((h) => h.name !== existing.name) || !holders.length;
    if (unfinished && holders.every((h) => Number(h.name) <= Number(existing.name))) await promote(params, clients, existing);
  }
  report(params, deps, decision, existing);
  return {
    outcome: 'Succeeded',
    message: `${params.modelName} v${existing.name}: ${decision.action}${decision.promoted ? ` (${decision.promoted.tag})` : ''}; already registered by an earlier run for job '${decision.job}'.`,
  };
}

/** The candidate's metrics from its job's MLflow run; every metric a rule names must be there. */
async function candidateMetrics(
  params: EvaluateParams,
  platform: TaskDeps<OutputName>['platform'],
  mlflow: MlflowClient,
  job: string,
): Promise<Record<string, number>> {
  const candidateRun = await mlflow.metrics(job, params.metricsSource);
  if (!candidateRun) throw new AzureError(`Job '${job}' has no MLflow run in workspace '${params.workspace.workspace}'.`);
  const candidate = candidateRun.metrics;
  const missing = params.rules.filter((r) => candidate[r.metric] === undefined).map((r) => r.metric);
  if (missing.length) {
    throw new CheckFailedError(
      `The candidate (job '${job}'${params.metricsSource ? `, step '${params.metricsSource}'` : ''}) has no metric ${missing.map((m) => `'${m}'`).join(', ')}; it logged: ${Object.keys(candidate).join(', ') || 'nothing'}.`,
    );
  }
  platform.info(`Candidate: job ${job} (MLflow run ${candidateRun.runId}): ${params.rules.map((r) => `${r.metric}=${candidate[r.metric]}`).join(', ')}`);
  return candidate;
}

/** The rules against the champion: the decision (action still to settle) and each rule's result. */
function decide(job: string, results: RuleResult[], champion: ChampionInfo | undefined): Decision {
  return {
    job,
    better: results.every((r) => r.pass),
    champion: champion ? { version: champion.version.name, source: champion.source } : null,
    rules: results.map((r) => ({
      metric: r.metric,
      candidate: r.candidate,
      champion: r.champion ?? null,
      required: r.required,
      pass: r.pass,
      ...(r.note ? { note: r.note } : {}),
    })),
    action: 'skipped',
  };
}

/**
 * Registers the candidate as the next version, its decision in the version's write-once properties; a promoted
 * version carries the promotion tag from this first write, and the tag leaves its previous holders after.
 */
async function register(
  params: EvaluateParams,
  clients: ArmClients,
  job: string,
  candidate: Record<string, number>,
  decision: Decision,
): Promise<ModelVersion> {
  const version = await nextModelVersion(clients, params.workspace, params.modelName);
  const metricTags = Object.fromEntries(params.rules.map((r) => [r.metric, String(candidate[r.metric])]));
  decision.action = decision.better && params.promoteTag ? 'registered' : 'registeredNotPromoted';
  let promoteTags = {};
  if (decision.action === 'registered') {
    const tag = params.promoteTag as { key: string; value: string };
    const from = (await listModelVersions(clients, params.workspace, params.modelName, `${tag.key}=${tag.value}`)).map((v) => v.name);
    decision.promoted = { tag: `${tag.key}=${tag.value}`, to: version, from };
    promoteTags = { [tag.key]: tag.value };
  }
  const registered = await putModelVersion(
    clients,
    params.workspace,
    params.modelName,
    version,
    {
      modelUri: params.modelUri ?? `azureml://jobs/${job}/outputs/${params.modelOutputName}/paths/`,
      modelType: MODEL_TYPES[params.modelType],
      jobName: job,
      description: params.description ?? `Trained by job ${job}`,
      tags: { ...params.tags, jobName: job, ...metricTags, [GATE_TAG]: decision.better ? 'passed' : 'notBetter', ...promoteTags },
      properties: { [DECISION_PROPERTY]: JSON.stringify(decision) },
    },
    `Register model '${params.modelName}' version '${version}'`,
  );
  if (decision.promoted) await promote(params, clients, registered);
  return registered;
}

/** A candidate that passed the gate (registered now or by an earlier run) is shared into the registry when asked. */
async function publishIfPassed(
  params: EvaluateParams,
  deps: TaskDeps<OutputName>,
  clients: ArmClients,
  decision: Decision,
  registered: ModelVersion | undefined,
): Promise<string | undefined> {
  const passed = registered && (decision.action === 'alreadyRegistered' ? registered.properties.tags?.[GATE_TAG] === 'passed' : decision.better);
  if (!params.registry || !registered || !passed) return undefined;
  const wait = { deadlineMs: 30 * 60_000, clock: deps.clock, progress: (m: string) => deps.platform.info(m) };
  const { uri, outcome } = await shareModelVersion(
    clients,
    params.workspace,
    { modelName: params.modelName, version: registered },
    params.registry,
    { name: params.modelName, version: registered.name },
    wait,
    (message) => new InputError('publishToRegistry', `${message}.`),
  );
  deps.platform.info(`${outcome === 'shared' ? 'Shared' : 'Already in the registry'}: ${params.modelName} v${registered.name} as ${uri}.`);
  return uri;
}

export async function run(params: EvaluateParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform } = deps;
  const clients = deps.arm(params.connection);
  await checkWorkspace(clients, params.workspace);
  const mlflow = await MlflowClient.forWorkspace(clients, params.workspace);
  const job = await findJob(params, clients, mlflow);
  const [existing] = await listModelVersions(clients, params.workspace, params.modelName, `jobName=${job.name}`);
  const stored = existing?.properties.properties as Record<string, string> | undefined;
  if (existing && stored?.[DECISION_PROPERTY]) return rerun(params, deps, clients, existing, JSON.parse(stored[DECISION_PROPERTY]) as Decision);
  const candidate = await candidateMetrics(params, platform, mlflow, job.name);
  const champion = await findChampion(params, clients, mlflow);
  platform.info(
    champion ? `Champion: ${params.modelName} v${champion.version.name}, metrics from the ${champion.source}.` : 'No champion: this is the first model.',
  );
  const results: RuleResult[] = params.rules.map((r) => evaluateRule(r, candidate[r.metric], champion?.metrics[r.metric], champion !== undefined));
  const decision = decide(job.name, results, champion);
  for (const r of results) {
    platform.info(
      `${r.pass ? 'PASS' : 'FAIL'} ${r.rule}: candidate ${r.candidate}, champion ${r.champion ?? '-'}, required ${r.required}${r.note ? ` (${r.note})` : ''}`,
    );
  }

  let registered: ModelVersion | undefined;
  if (existing) {
    registered = existing;
    decision.action = 'alreadyRegistered';
    platform.info(`Model ${params.modelName} v${existing.name} already holds job ${job.name}: nothing registered.`);
    if (params.promoteTag && existing.properties.tags?.[GATE_TAG] === 'passed') decision.promoted = await promote(params, clients, existing);
  } else if (decision.better || params.onNotBetter === 'registerOnly') {
    registered = await register(params, clients, job.name, candidate, decision);
    platform.info(`Registered ${params.modelName} v${registered.name}.`);
  } else {
    decision.action = params.onNotBetter === 'fail' ? 'failed' : 'skipped';
  }
  const registryModelId = await publishIfPassed(params, deps, clients, decision, registered);
  const promoted = decision.promoted;
  if (promoted) platform.info(`Promoted ${promoted.tag} to v${promoted.to}${promoted.from.length ? `; removed from v${promoted.from.join(', v')}` : ''}.`);
  report(params, deps, decision, registered, registryModelId);

  const against = champion ? `not better than the champion v${champion.version.name}` : 'below its thresholds (no champion)';
  const failedRules = results
    .filter((r) => !r.pass)
    .map((r) => `${r.rule} (candidate ${r.candidate}, required ${r.required})`)
    .join('; ');
  if (decision.action === 'failed') throw new CheckFailedError(`The candidate from job '${job.name}' is ${against}: ${failedRules}.`);
  if (decision.action === 'skipped')
    return { outcome: 'SucceededWithIssues', message: `The candidate from job '${job.name}' is ${against}: ${failedRules}. Nothing registered.` };
  return { outcome: 'Succeeded', message: `${params.modelName} v${registered?.name}: ${decision.action}${promoted ? ` (${promoted.tag})` : ''}.` };
}
