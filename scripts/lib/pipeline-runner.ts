import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { TestConnection } from './emulator-connection';
import { evaluate, isTrue, type ExpressionContext } from './pipeline-expressions';
import { REPO_ROOT, runBundle } from './run-bundle';
import { ServerTaskSimulator, type SimulatedEndpoint } from './server-task-simulator';

/**
 * Runs an Azure Pipelines YAML file of this repository locally, as the service would for the parts the samples
 * use: stages and jobs in dependency order, agent, server (`pool: server`) and deployment jobs (environments'
 * approvals count as given), variables (groups supplied by the caller, `$[ ]` runtime expressions), `$(macro)`
 * expansion, conditions, step outputs (`$(step.var)`, `dependencies...`, `stageDependencies...`), `task:` steps
 * on the bundles (the server task through the server-task simulator) and `script:` / `bash:` steps in bash.
 */
export interface PipelineRunOptions {
  file: string;
  /** Variable groups' values, by name. */
  variables: Record<string, string>;
  /** Runtime parameters (`parameters:` with defaults), set as at queue time. */
  parameters?: Record<string, string>;
  /** Service connections by name (the value of a connectedService input). */
  connections: Record<string, TestConnection>;
  /** For server tasks: the connection's ARM URL, subscription and a token. */
  serverEndpoint: (connection: string) => SimulatedEndpoint;
  buildId: string;
  log: (line: string) => void;
  /** How long a minute of Azure Pipelines' own Delay task lasts here (default a real minute). */
  minuteMs?: number;
}

export type Result = 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Skipped' | 'Canceled';

export interface StepRecord {
  stage: string;
  job: string;
  step: string;
  task?: string;
  result: Result;
  message: string;
  outputs: Record<string, string>;
  durationMs: number;
}

interface TaskJson {
  name: string;
  version: { Major: number };
  inputs: { name: string; type: string; defaultValue?: string; aliases?: string[] }[];
  outputVariables?: { name: string }[];
  execution: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pipeline YAML as written
type Yaml = Record<string, any>;

export function loadTaskJson(task: string): TaskJson {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tasks', task, 'task.json'), 'utf8')) as TaskJson;
}

/** `variables:` as a map, or a list of `{name, value}` and `{group}` (a group's values come from the caller). */
function declaredVariables(node: unknown, supplied: Record<string, string>): { values: Record<string, string>; groups: string[] } {
  const values: Record<string, string> = {};
  const groups: string[] = [];
  if (Array.isArray(node)) {
    for (const v of node as Yaml[]) {
      if (v.group) groups.push(String(v.group));
      else if (v.name !== undefined) values[v.name] = String(v.value ?? '');
    }
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Yaml)) values[k] = String(v);
  }
  return { values: groups.length ? { ...supplied, ...values } : values, groups };
}

/** Jobs of a stage as the YAML gives them (`jobs:`), or the one implicit job of a stage-less file. */
function jobsOf(stage: Yaml): Yaml[] {
  return (stage.jobs ?? [{ job: 'Job', steps: stage.steps ?? [] }]) as Yaml[];
}

function stepsOf(job: Yaml): Yaml[] {
  return (job.deployment ? job.strategy?.runOnce?.deploy?.steps : job.steps) ?? [];
}

function jobName(job: Yaml): string {
  return String(job.job ?? job.deployment);
}

/** What the run held agents for, as its own accounting measures it. */
export interface AgentAccounting {
  /** Agent jobs run, and the wall time an agent was held for them (job start to end). */
  jobs: number;
  jobMs: number;
  /** Task processes started on an agent, and their summed lifetimes. */
  processes: number;
  processMs: number;
}

export class PipelineRun {
  readonly steps: StepRecord[] = [];
  readonly agent: AgentAccounting = { jobs: 0, jobMs: 0, processes: 0, processMs: 0 };
  /** Markdown the script steps uploaded to the run summary (##vso[task.uploadsummary]). */
  readonly summaries: { step: string; markdown: string }[] = [];
  private readonly stageResults = new Map<string, Result>();
  /** stage -> job -> output name (`step.var` and `job.step.var`) -> value. */
  private readonly outputs = new Map<string, Map<string, Record<string, string>>>();
  private readonly jobResults = new Map<string, Map<string, Result>>();
  private readonly system: Record<string, string>;
  private readonly jobIds = new Map<string, string>();

  constructor(private readonly options: PipelineRunOptions) {
    this.system = {
      'Build.BuildId': options.buildId,
      'Build.BuildNumber': `2026.12.${options.buildId}`,
      'Build.BuildUri': `vstfs:///Build/Build/${options.buildId}`,
      'Build.SourcesDirectory': REPO_ROOT,
      'Build.SourceVersion': 'a1b2c3d4e5f6',
      'Build.Repository.Name': 'mlops-samples',
      'System.DefaultWorkingDirectory': REPO_ROOT,
      'System.PlanId': randomUUID(),
      'System.JobAttempt': '1',
      'System.TimelineId': randomUUID(),
      'System.TeamProjectId': 'project-1',
      'System.CollectionUri': 'https://dev.azure.com/contoso/',
      'Pipeline.Workspace': fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-')),
    };
    this.system['Agent.TempDirectory'] = path.join(this.system['Pipeline.Workspace'], '_temp');
    fs.mkdirSync(this.system['Agent.TempDirectory']);
  }

  get planId(): string {
    return this.system['System.PlanId'];
  }

  async run(): Promise<Result> {
    const doc = loadPipeline(this.options.file, this.options.parameters ?? {});
    const root = declaredVariables(doc.variables, this.options.variables).values;
    const stages = (doc.stages ?? [{ stage: 'Stage', jobs: doc.jobs ?? jobsOf(doc) }]) as Yaml[];
    let previous: string | undefined;
    for (const stage of stages) {
      const name = String(stage.stage);
      const dependsOn = stage.dependsOn === undefined ? (previous ? [previous] : []) : ([] as string[]).concat(stage.dependsOn);
      previous = name;
      const variables = { ...root, ...declaredVariables(stage.variables, this.options.variables).values };
      const ctx = this.context(name, variables, () => dependsOn.map((d) => this.stageResults.get(d) ?? 'Skipped'), 'stage');
      if (!isTrue(String(stage.condition ?? 'succeeded()'), ctx)) {
        this.options.log(`stage ${name}: skipped (condition ${stage.condition ?? 'succeeded()'})`);
        this.stageResults.set(name, 'Skipped');
        continue;
      }
      this.options.log(`stage ${name}`);
      this.stageResults.set(name, await this.runStage(name, stage, variables));
    }
    const results = [...this.stageResults.values()];
    fs.rmSync(this.system['Pipeline.Workspace'], { recursive: true, force: true });
    return results.includes('Failed') ? 'Failed' : results.includes('SucceededWithIssues') ? 'SucceededWithIssues' : 'Succeeded';
  }

  /** At stage level `dependencies.<stage>` names stages (outputs keyed `<job>.<step>.<var>`); at job level, jobs. */
  private context(stage: string, variables: Record<string, string>, results: () => Result[], level: 'stage' | 'job' = 'job'): ExpressionContext {
    const lookup = (name: string) => {
      const all = { ...this.system, ...variables };
      const key = Object.keys(all).find((k) => k.toLowerCase() === name.toLowerCase());
      return key === undefined ? undefined : all[key];
    };
    return {
      variable: lookup,
      dependency: (kind, p) => {
        if (kind === 'dependencies' && level === 'stage') {
          const [other, field, key] = p;
          if (field === 'result') return this.stageResults.get(other) ?? '';
          return [...(this.outputs.get(other)?.values() ?? [])].map((o) => o[key]).find((v) => v !== undefined);
        }
        const [stageName, job, field, key] = kind === 'stageDependencies' ? p : [stage, ...p];
        if (field === 'result')
          return (kind === 'stageDependencies' && job === undefined ? this.stageResults.get(stageName) : this.jobResults.get(stageName)?.get(job)) ?? '';
        return field === 'outputs' ? this.outputs.get(stageName)?.get(job)?.[key] : undefined;
      },
      dependencyResults: results,
    };
  }

  /** Jobs run as Azure Pipelines runs them: each as soon as the jobs it depends on have finished, in parallel otherwise. */
  private async runStage(stage: string, node: Yaml, variables: Record<string, string>): Promise<Result> {
    const results = new Map<string, Result>();
    this.jobResults.set(stage, results);
    this.outputs.set(stage, new Map());
    const jobs = new Map(jobsOf(node).map((job) => [jobName(job), job]));
    const started = new Map<string, Promise<void>>();
    const start = (name: string): Promise<void> => {
      const running = started.get(name) ?? this.startJob(stage, name, jobs.get(name) as Yaml, variables, results, start);
      started.set(name, running);
      return running;
    };
    await Promise.all([...jobs.keys()].map(start));
    const all = [...results.values()];
    return all.includes('Failed') ? 'Failed' : all.includes('SucceededWithIssues') ? 'SucceededWithIssues' : 'Succeeded';
  }

  private async startJob(
    stage: string,
    name: string,
    job: Yaml,
    variables: Record<string, string>,
    results: Map<string, Result>,
    start: (name: string) => Promise<void>,
  ): Promise<void> {
    const dependsOn = ([] as string[]).concat(job.dependsOn ?? []);
    await Promise.all(dependsOn.map(start));
    const jobVars = { ...variables };
    const ctx = this.context(stage, jobVars, () => dependsOn.map((d) => results.get(d) ?? 'Skipped'));
    // Runtime expressions ($[ ]) are evaluated when the job starts, against what ran before it.
    for (const [k, v] of Object.entries(declaredVariables(job.variables, this.options.variables).values)) {
      const runtime = /^\$\[(.*)\]$/s.exec(v.trim());
      jobVars[k] = runtime ? String(evaluate(runtime[1], ctx) ?? '') : v;
    }
    if (!isTrue(String(job.condition ?? 'succeeded()'), ctx)) {
      this.options.log(`  job ${name}: skipped (condition ${job.condition ?? 'succeeded()'})`);
      results.set(name, 'Skipped');
      return;
    }
    if (job.environment)
      this.options.log(
        `  environment ${typeof job.environment === 'string' ? job.environment : job.environment.name}: approvals and checks passed (simulated)`,
      );
    const server = job.pool === 'server' || job.pool?.name === 'server';
    this.options.log(`  job ${name}${server ? ' (server job: no agent)' : ''}`);
    const begun = Date.now();
    results.set(name, await this.runJob(stage, name, job, jobVars));
    if (!server) Object.assign(this.agent, { jobs: this.agent.jobs + 1, jobMs: this.agent.jobMs + Date.now() - begun });
  }

  /**
   * The folder a job works in. Agent jobs check the repository out unless they say `- checkout: none`; deployment
   * jobs only when they say `- checkout: self` (as Azure Pipelines does); server jobs have no workspace. A job
   * without a checkout gets an empty folder, so a step that needs the repository's files fails here as it would there.
   */
  private workspaceOf(node: Yaml, server: boolean): string | undefined {
    const checkouts = stepsOf(node)
      .filter((s) => s.checkout !== undefined)
      .map((s) => String(s.checkout));
    const checkedOut = !server && (node.deployment ? checkouts.includes('self') : !checkouts.includes('none'));
    if (checkedOut || server) return undefined;
    return fs.mkdtempSync(path.join(this.system['Pipeline.Workspace'], 's-'));
  }

  private async runJob(stage: string, job: string, node: Yaml, jobVariables: Record<string, string>): Promise<Result> {
    const server = node.pool === 'server' || node.pool?.name === 'server';
    const empty = this.workspaceOf(node, server);
    const variables = empty ? { ...jobVariables, 'System.DefaultWorkingDirectory': empty, 'Build.SourcesDirectory': empty } : jobVariables;
    const stepOutputs: Record<string, string> = {};
    let result: Result = 'Succeeded';
    for (const [index, step] of stepsOf(node).entries()) {
      if (step.checkout !== undefined) {
        this.options.log(`    checkout ${step.checkout}${step.checkout === 'self' ? ': the repository is in $(System.DefaultWorkingDirectory)' : ''}`);
        continue;
      }
      const name = String(step.name ?? `step${index + 1}`);
      const vars = { ...variables, ...stepOutputs };
      const ctx = this.context(stage, vars, () => [result]);
      if (!isTrue(String(step.condition ?? 'succeeded()'), ctx)) {
        this.record({
          stage,
          job,
          step: name,
          task: step.task,
          result: 'Skipped',
          message: `condition ${step.condition ?? 'succeeded()'}`,
          outputs: {},
          durationMs: 0,
        });
        continue;
      }
      const expand = (value: unknown) => this.expand(String(value ?? ''), vars);
      const record = step.task
        ? await this.runTask(stage, job, name, String(step.task), step.inputs ?? {}, expand, server)
        : await this.runScript(stage, job, name, step, expand, vars);
      if (record.result === 'Failed' && step.continueOnError) record.result = 'SucceededWithIssues';
      this.record(record);
      for (const [k, v] of Object.entries(record.outputs)) {
        stepOutputs[`${name}.${k}`] = v;
        const jobOutputs = this.outputs.get(stage) as Map<string, Record<string, string>>;
        jobOutputs.set(job, { ...jobOutputs.get(job), [`${name}.${k}`]: v, [`${job}.${name}.${k}`]: v });
      }
      if (record.result === 'Failed') result = 'Failed';
      else if (record.result === 'SucceededWithIssues' && result === 'Succeeded') result = 'SucceededWithIssues';
    }
    return result;
  }

  private record(step: StepRecord): void {
    this.steps.push(step);
    const figures = Object.entries(step.outputs)
      .filter(([, v]) => v.length < 90)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    this.options.log(
      `    ${step.step}${step.task ? ` (${step.task})` : ''}: ${step.result}${step.message ? ` - ${step.message}` : ''}${figures ? ` [${figures}]` : ''} (${step.durationMs} ms)`,
    );
  }

  /** `$(name)` from step outputs, job/stage/pipeline variables and the predefined ones; unknown macros stay, as in ADO. */
  expand(text: string, variables: Record<string, string>, depth = 0): string {
    const all = { ...this.system, ...variables };
    return text.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => {
      const key = Object.keys(all).find((k) => k.toLowerCase() === name.toLowerCase());
      // A variable's own macros expand too (LIVE_JOB: live-check-$(Build.BuildId)), a few levels deep.
      return key === undefined ? whole : depth < 4 ? this.expand(all[key], variables, depth + 1) : all[key];
    });
  }

  private env(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.system).map(([k, v]) => [k.toUpperCase().replace(/\./g, '_'), v]));
  }

  private async runTask(
    stage: string,
    job: string,
    step: string,
    ref: string,
    rawInputs: Yaml,
    expand: (v: unknown) => string,
    server: boolean,
  ): Promise<StepRecord> {
    const [task] = ref.split('@');
    if (task === 'Delay') return this.delay(stage, job, step, ref, expand(rawInputs.delayForMinutes), server);
    const spec = loadTaskJson(task);
    const inputs = Object.fromEntries(Object.entries(rawInputs).map(([k, v]) => [k, expand(v)]));
    const started = Date.now();
    const base = { stage, job, step, task: ref };
    if ('HttpRequest' in spec.execution) {
      if (!server)
        return { ...base, result: 'Failed', message: `${task} is a server task: it runs only in a job with pool: server`, outputs: {}, durationMs: 0 };
      const connection = inputs[spec.inputs.find((i) => i.type.startsWith('connectedService'))?.name ?? 'azureSubscription'];
      const sim = new ServerTaskSimulator(path.join(REPO_ROOT, 'tasks', task, 'task.json'), inputs, this.options.serverEndpoint(connection), {
        'system.PlanId': this.system['System.PlanId'],
        'system.TimelineId': this.system['System.TimelineId'],
        // Each job of a plan has its own id, each task in it its own instance id; the timeline is the plan's.
        'system.JobId': this.jobIds.get(`${stage}/${job}`) ?? (this.jobIds.set(`${stage}/${job}`, randomUUID()).get(`${stage}/${job}`) as string),
        'system.TaskInstanceId': randomUUID(),
        'Build.BuildId': this.system['Build.BuildId'],
        'Build.BuildUri': this.system['Build.BuildUri'],
      });
      const { result, message } = await sim.run(600_000);
      return {
        ...base,
        // Every TaskResult is a job result here but Abandoned, which Azure Pipelines shows as failed.
        result: result === 'Abandoned' ? 'Failed' : result,
        message,
        outputs: {},
        durationMs: Date.now() - started,
      };
    }
    if (server) return { ...base, result: 'Failed', message: `${task} is an agent task: it cannot run in a server job`, outputs: {}, durationMs: 0 };
    // A connection input the step leaves empty (hidden by its visibleRule, e.g. SmokeTest on a URL) is not needed.
    const connectionName = inputs[spec.inputs.find((i) => i.type.startsWith('connectedService:AzureRM'))?.name ?? ''];
    const connection = connectionName ? this.options.connections[connectionName] : undefined;
    if (connectionName && !connection)
      return { ...base, result: 'Failed', message: `service connection '${connectionName}' is not defined`, outputs: {}, durationMs: 0 };
    const run = await runBundle(task, {
      inputs,
      connection: connection && { ...connection, id: connectionName },
      env: { ...this.env(), SYSTEM_DEFAULTWORKINGDIRECTORY: expand('$(System.DefaultWorkingDirectory)') },
    });
    Object.assign(this.agent, { processes: this.agent.processes + 1, processMs: this.agent.processMs + run.durationMs });
    return {
      ...base,
      result: (run.result as Result) ?? 'Failed',
      message: run.message ?? run.stderr.trim().split('\n').pop() ?? '',
      outputs: run.outputs,
      durationMs: run.durationMs,
    };
  }

  /** Azure Pipelines' built-in Delay@1 server task: waits `delayForMinutes`. */
  private async delay(stage: string, job: string, step: string, ref: string, minutes: string, server: boolean): Promise<StepRecord> {
    const base = { stage, job, step, task: ref, outputs: {} };
    if (!server) return { ...base, result: 'Failed', message: 'Delay is a server task: it runs only in a job with pool: server', durationMs: 0 };
    const value = Number(minutes);
    if (!Number.isFinite(value) || value < 0)
      return { ...base, result: 'Failed', message: `delayForMinutes '${minutes}' is not a number of minutes`, durationMs: 0 };
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, value * (this.options.minuteMs ?? 60_000)));
    return { ...base, result: 'Succeeded', message: `waited ${minutes} minute(s)`, durationMs: Date.now() - started };
  }

  private async runScript(
    stage: string,
    job: string,
    step: string,
    node: Yaml,
    expand: (v: unknown) => string,
    variables: Record<string, string>,
  ): Promise<StepRecord> {
    const script = expand(node.script ?? node.bash ?? '');
    const started = Date.now();
    // Variables reach a script as environment variables, upper-cased with '.' as '_', their macros expanded.
    const env = {
      ...process.env,
      ...this.env(),
      ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k.toUpperCase().replace(/\./g, '_'), this.expand(v, variables)])),
    };
    const child = spawn('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: expand('$(System.DefaultWorkingDirectory)'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    Object.assign(this.agent, { processes: this.agent.processes + 1, processMs: this.agent.processMs + Date.now() - started });
    const outputs: Record<string, string> = {};
    for (const m of output.matchAll(/##vso\[task\.setvariable variable=([\w.]+);[^\]]*isOutput=true[^\]]*\](.*)/g)) outputs[m[1]] = m[2].trim();
    for (const m of output.matchAll(/##vso\[task\.uploadsummary\](.*)/g)) this.summaries.push({ step, markdown: fs.readFileSync(m[1].trim(), 'utf8') });
    const last =
      output
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('##vso'))
        .pop() ?? '';
    return {
      stage,
      job,
      step,
      result: code === 0 ? 'Succeeded' : 'Failed',
      message: code === 0 ? last.slice(0, 160) : `exit code ${code}: ${last.slice(0, 300)}`,
      outputs,
      durationMs: Date.now() - started,
    };
  }
}

/** The YAML with `${{ parameters.x }}` replaced by the given values or the declared defaults. */
export function loadPipeline(file: string, given: Record<string, string>): Yaml {
  const raw = fs.readFileSync(file, 'utf8');
  const declared = ((parse(raw) as Yaml).parameters ?? []) as { name: string; default?: unknown }[];
  const values: Record<string, string> = Object.fromEntries(declared.map((p) => [p.name, String(p.default ?? '')]));
  for (const [k, v] of Object.entries(given)) {
    if (!(k in values)) throw new Error(`${path.basename(file)} has no parameter '${k}'`);
    values[k] = v;
  }
  return parse(raw.replace(/\$\{\{\s*parameters\.(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole)) as Yaml;
}
