import * as fs from 'node:fs';
import * as path from 'node:path';
import { prop } from '../kit/arm';
import { assetResourceById } from '../kit/aml-registry';
import { TERMINAL, assetById, createRun, type EmulatorState, type JobRecord, type JobStatus } from '../kit/state';
import { localInput } from './job-inputs';
import { runParallelStep } from './parallel-runner';
import { runCommandStep, type GraphContext, type Value } from './step-process';
import { runSweepStep } from './sweep-runner';
import { callWebhooks } from './webhooks';

/**
 * The job engine: a pipeline job's graph run node by node in dependency order, each command step as a local
 * process with Azure ML's environment variables, nested pipeline components as subgraphs; the ADO callback last.
 */

/** Substitutes `${{parent.inputs.x}}` and `${{parent.jobs.a.outputs.b}}` in a node's input value. */
function bindValue(raw: unknown, parentInputs: Record<string, Value>, nodeOutputs: Record<string, Record<string, string>>): Value | undefined {
  const text = String(raw ?? '');
  const whole = /^\$\{\{\s*parent\.(inputs\.(\w+)|jobs\.(\w+)\.outputs\.(\w+))\s*\}\}$/.exec(text.trim());
  if (whole) {
    if (whole[2] !== undefined) return parentInputs[whole[2]];
    const out = nodeOutputs[whole[3]]?.[whole[4]];
    return out === undefined ? undefined : { kind: 'path', path: out };
  }
  return {
    kind: 'literal',
    value: text.replace(/\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}/g, (_, n: string) => {
      const v = parentInputs[n];
      return v ? (v.kind === 'path' ? v.path : v.value) : '';
    }),
  };
}

function dependencies(node: Record<string, any>): string[] {
  return [...JSON.stringify(node.inputs ?? {}).matchAll(/parent\.jobs\.(\w+)\.outputs/g)].map((m) => m[1]);
}

function order(jobs: Record<string, any>): string[] {
  const done: string[] = [];
  const visit = (name: string, trail: string[]) => {
    if (done.includes(name)) return;
    if (trail.includes(name)) throw new Error(`cycle between steps: ${[...trail, name].join(' -> ')}`);
    for (const dep of dependencies(jobs[name] ?? {})) if (jobs[dep]) visit(dep, [...trail, name]);
    done.push(name);
  };
  Object.keys(jobs).forEach((n) => visit(n, []));
  return done;
}

/** What the emulator cannot run on this machine, said as a failed step's error rather than a pretend result. */
const CANNOT_RUN: Record<string, string> = {
  automl:
    'cannot run locally: an automl job trains many models with the AutoML service; the emulator stores the node and fails it (publish and submit work as in Azure)',
  spark: 'cannot run locally: a spark job needs a Spark pool (serverless Spark or a Synapse pool); the emulator stores the node and fails it',
};

/** One node: its inputs bound and materialized, its outputs allocated, and the runner for its type. */
async function runNode(
  ctx: GraphContext,
  stepName: string,
  node: Record<string, any>,
  bind: (raw: unknown) => Value | undefined,
): Promise<{ status: JobStatus; outputs: Record<string, string> }> {
  const type = String(node.type ?? 'command');
  const stepDir = (name: string) => path.join(ctx.dir, 'outputs', stepName.replace(/[^\w.-]/g, '_'), name);
  if (CANNOT_RUN[type]) {
    ctx.job.errors[`${ctx.job.name}_${stepName.replace(/\//g, '_')}`] = CANNOT_RUN[type];
    const outputs = Object.fromEntries(Object.keys(node.outputs ?? {}).map((n) => [n, stepDir(n)]));
    return { status: 'Failed', outputs };
  }
  const componentId = String(prop(node, 'componentId') ?? prop(node, 'component') ?? '');
  const component = assetResourceById(ctx.state, componentId);
  if (!component) throw new Error(`step '${stepName}': component '${componentId}' was not found`);
  const spec = component.properties.componentSpec as Record<string, any>;
  const inputs: Record<string, Value> = {};
  for (const [name, def] of Object.entries((spec.inputs ?? {}) as Record<string, any>)) {
    if (def?.default !== undefined) inputs[name] = { kind: 'literal', value: String(def.default) };
  }
  for (const [name, binding] of Object.entries((node.inputs ?? {}) as Record<string, any>)) {
    const raw = binding && typeof binding === 'object' ? (binding.value ?? binding.uri ?? binding.path) : binding;
    const isData = binding && typeof binding === 'object' && binding.uri !== undefined && !/^\$\{\{/.test(String(binding.uri));
    const bound = isData ? ({ kind: 'path', path: String(binding.uri) } as Value) : bind(raw);
    if (bound) inputs[name] = bound.kind === 'path' ? { kind: 'path', path: localInput(ctx, bound.path) } : bound;
  }
  const outputs = Object.fromEntries(Object.keys((spec.outputs ?? {}) as Record<string, unknown>).map((n) => [n, stepDir(n)]));
  let status: JobStatus;
  if (spec.type === 'pipeline') status = await runGraph({ ...ctx, prefix: `${stepName}/` }, spec.jobs ?? {}, inputs, outputs);
  else if (type === 'sweep') status = await runSweepStep(ctx, stepName, spec, node, inputs, outputs);
  else if (spec.type === 'parallel') status = await runParallelStep(ctx, stepName, spec, node, inputs, outputs);
  else status = await runCommandStep(ctx, stepName, spec, inputs, outputs);
  return { status, outputs };
}

/** Runs a pipeline graph node by node (in dependency order); returns the rolled-up status. */
async function runGraph(
  ctx: GraphContext,
  jobs: Record<string, any>,
  parentInputs: Record<string, Value>,
  parentOutputs: Record<string, string>,
): Promise<JobStatus> {
  const nodeOutputs: Record<string, Record<string, string>> = {};
  let failed = false;
  for (const nodeName of order(jobs)) {
    const stepName = `${ctx.prefix}${nodeName}`;
    if (ctx.job.cancelRequested) {
      ctx.job.steps[stepName] = 'Canceled';
      continue;
    }
    if (failed && !ctx.continueOnStepFailure) {
      ctx.job.steps[stepName] = 'Canceled';
      continue;
    }
    const node = jobs[nodeName] as Record<string, any>;
    ctx.job.steps[stepName] = 'Running';
    // A step that cannot start (a missing component, an input the emulator cannot mount) fails alone, with its reason.
    const { status, outputs } = await runNode(ctx, stepName, node, (raw) => bindValue(raw, parentInputs, nodeOutputs)).catch((err: Error) => {
      ctx.job.errors[`${ctx.job.name}_${stepName.replace(/\//g, '_')}`] = err.message;
      return { status: 'Failed' as JobStatus, outputs: {} as Record<string, string> };
    });
    ctx.job.steps[stepName] = status;
    nodeOutputs[nodeName] = outputs;
    for (const [name, binding] of Object.entries((node.outputs ?? {}) as Record<string, any>)) {
      const target = /\$\{\{\s*parent\.outputs\.(\w+)\s*\}\}/.exec(String(binding && typeof binding === 'object' ? binding.value : binding))?.[1];
      if (target && outputs[name]) parentOutputs[target] = outputs[name];
    }
    if (status === 'Failed') failed = true;
  }
  if (ctx.job.cancelRequested) return 'Canceled';
  return failed ? 'Failed' : 'Completed';
}

function setStatus(state: EmulatorState, job: JobRecord, status: JobStatus): void {
  job.resource.properties.status = status;
  const run = state.mlflowRuns.get(job.name);
  if (run && TERMINAL.includes(status))
    Object.assign(run.info, { status: status === 'Completed' ? 'FINISHED' : status === 'Failed' ? 'FAILED' : 'KILLED', end_time: Date.now() });
}

/** Runs a submitted pipeline job to its end, then calls the Azure DevOps webhooks it carries. */
export async function execute(state: EmulatorState, job: JobRecord, certFile: string): Promise<void> {
  const props = job.resource.properties;
  const dir = path.join(state.jobsRoot, job.name);
  fs.mkdirSync(dir, { recursive: true });
  createRun(state, job.name, String(props.experimentName), String(props.displayName ?? job.name), { 'azureml.pipeline': 'true' });
  setStatus(state, job, 'Running');
  let status: JobStatus;
  try {
    const component = props.componentId ? assetById(state, String(props.componentId)) : undefined;
    const spec = (component?.resource.properties.componentSpec ?? { jobs: props.jobs, inputs: {} }) as Record<string, any>;
    const inputs: Record<string, Value> = {};
    for (const [name, def] of Object.entries((spec.inputs ?? {}) as Record<string, any>)) {
      if (def?.default !== undefined) inputs[name] = { kind: 'literal', value: String(def.default) };
    }
    for (const [name, input] of Object.entries((props.inputs ?? {}) as Record<string, any>)) {
      const type = String(input?.jobInputType ?? 'literal').toLowerCase();
      inputs[name] = type === 'literal' ? { kind: 'literal', value: String(input.value) } : { kind: 'path', path: String(input.uri) };
    }
    const settings = (props.settings ?? {}) as Record<string, unknown>;
    const continueOnStepFailure = Boolean(prop(settings, 'continue_on_step_failure') ?? prop(settings, 'ContinueRunOnStepFailure'));
    status = await runGraph({ job, state, certFile, dir, prefix: '', continueOnStepFailure }, spec.jobs ?? {}, inputs, job.outputs);
  } catch (err) {
    job.errors[job.name] = (err as Error).message;
    status = 'Failed';
  }
  const failedSteps = Object.keys(job.steps).filter((step) => job.steps[step] === 'Failed');
  if (status === 'Failed' && !job.errors[job.name]) {
    const first = failedSteps.map((step) => job.errors[`${job.name}_${step.replace(/\//g, '_')}`]).find(Boolean);
    job.errors[job.name] = `Pipeline has failed child jobs. Failed nodes: ${failedSteps.map((s) => `/${s}`).join(', ')}.${first ? ` ${first}` : ''}`;
  }
  setStatus(state, job, status);
  await callWebhooks(job, certFile);
}
