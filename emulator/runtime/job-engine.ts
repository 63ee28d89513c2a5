import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prop } from '../kit/arm';
import { TERMINAL, assetById, createRun, secretValue, workspaceId, type EmulatorState, type JobRecord, type JobStatus } from '../kit/state';
import { writeCodeFolder } from './code-folders';
import { lastLines } from './inference-server';
import { callWebhooks } from './webhooks';

/**
 * The job engine: a pipeline job's graph run node by node in dependency order, each command step as a local
 * process with Azure ML's environment variables, nested pipeline components as subgraphs; the ADO callback last.
 */

/**
 * PATH for a job step. Azure ML's curated images have `python`; a machine with only `python3` gets a `python` link in
 * a folder of the emulator's own, so the same command lines run here.
 */
function stepPath(jobsRoot: string): string {
  const path0 = process.env.PATH ?? '/usr/bin:/bin';
  const dirs = path0.split(path.delimiter);
  const find = (exe: string) => dirs.map((d) => path.join(d, exe)).find((f) => fs.existsSync(f));
  const python3 = find('python3');
  if (find('python') || !python3) return path0;
  const shim = path.join(jobsRoot, '.bin');
  fs.mkdirSync(shim, { recursive: true });
  try {
    fs.symlinkSync(python3, path.join(shim, 'python'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return `${shim}${path.delimiter}${path0}`;
}

type Value = { kind: 'literal'; value: string } | { kind: 'path'; path: string };

interface GraphContext {
  job: JobRecord;
  state: EmulatorState;
  certFile: string;
  dir: string;
  prefix: string;
  continueOnStepFailure: boolean;
}

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

/** Fills `${{inputs.x}}`/`${{outputs.y}}`; drops `$[[...]]` optional blocks whose inputs were not given. */
function renderCommand(command: string, inputs: Record<string, Value>, outputs: Record<string, string>): string {
  const fill = (text: string) =>
    text
      .replace(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, n: string) => {
        const v = inputs[n];
        return v ? (v.kind === 'path' ? v.path : v.value) : '';
      })
      .replace(/\$\{\{\s*outputs\.(\w+)\s*\}\}/g, (_, n: string) => outputs[n] ?? '');
  return fill(
    command.replace(/\$\[\[(.*?)\]\]/gs, (_block: string, inner: string) => ([...inner.matchAll(/inputs\.(\w+)/g)].every((m) => inputs[m[1]]) ? inner : '')),
  );
}

async function runCommandStep(
  ctx: GraphContext,
  stepName: string,
  spec: Record<string, any>,
  inputs: Record<string, Value>,
  outputs: Record<string, string>,
): Promise<JobStatus> {
  const { job, state } = ctx;
  const stepDir = path.join(ctx.dir, stepName.replace(/[^\w.-]/g, '_'));
  const codeDir = path.join(stepDir, 'code');
  fs.mkdirSync(path.join(stepDir, 'user_logs'), { recursive: true });
  fs.mkdirSync(codeDir, { recursive: true });
  if (spec.code) {
    const code = assetById(state, String(spec.code));
    if (!code) throw new Error(`code asset '${spec.code}' was not found`);
    writeCodeFolder(state, code.resource.properties.codeUri, codeDir);
  }
  for (const folder of Object.values(outputs)) fs.mkdirSync(folder, { recursive: true });
  const runId = `${job.name}_${stepName.replace(/\//g, '_')}`;
  createRun(state, runId, String(job.resource.properties.experimentName), stepName, {
    'mlflow.parentRunId': job.name,
    'mlflow.rootRunId': job.name,
    'azureml.nodeid': stepName,
  });
  const token = secretValue('run-');
  state.runTokens.add(token);
  const env: Record<string, string> = {
    PATH: stepPath(state.jobsRoot),
    HOME: stepDir,
    PYTHONUNBUFFERED: '1',
    SSL_CERT_FILE: ctx.certFile,
    AZUREML_RUN_ID: runId,
    AZUREML_ROOT_RUN_ID: job.name,
    AZUREML_RUN_TOKEN: token,
    AZUREML_ARM_SUBSCRIPTION: job.workspace.subscriptionId,
    AZUREML_ARM_RESOURCEGROUP: job.workspace.resourceGroup,
    AZUREML_ARM_WORKSPACE_NAME: job.workspace.name,
    MLFLOW_TRACKING_URI: `${job.baseUrl}/mlflow/v2.0${workspaceId(job.workspace)}`,
    MLFLOW_RUN_ID: runId,
    MLFLOW_TRACKING_TOKEN: token,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`AZURE_ML_INPUT_${k}`, v.kind === 'path' ? v.path : v.value])),
    ...Object.fromEntries(Object.entries(outputs).map(([k, v]) => [`AZURE_ML_OUTPUT_${k}`, v])),
    ...Object.fromEntries(Object.entries((spec.environment_variables ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)])),
  };
  const command = renderCommand(String(spec.command ?? ''), inputs, outputs);
  const log = fs.openSync(path.join(stepDir, 'user_logs', 'std_log.txt'), 'w');
  const child = spawn('sh', ['-c', command], { cwd: codeDir, env, stdio: ['ignore', log, log] });
  job.process = child;
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  fs.closeSync(log);
  job.process = undefined;
  const status: JobStatus = job.cancelRequested ? 'Canceled' : code === 0 ? 'Completed' : 'Failed';
  if (status === 'Failed') job.errors[runId] = stepFailure(code, path.join(stepDir, 'user_logs', 'std_log.txt'));
  const run = state.mlflowRuns.get(runId);
  if (run) Object.assign(run.info, { status: status === 'Completed' ? 'FINISHED' : status === 'Failed' ? 'FAILED' : 'KILLED', end_time: Date.now() });
  return status;
}

/**
 * Azure ML's message for a user process that ended badly ("Execution failed. User process '…' exited with status
 * code N. Please check log file 'user_logs/std_log.txt' for error details."), with the log's last lines as the
 * service appends the error it found there.
 */
function stepFailure(code: number | null, logFile: string): string {
  const tail = lastLines(fs.readFileSync(logFile, 'utf8').trimEnd(), 9).trim();
  const head = `Execution failed. User process 'sh' exited with status code ${code ?? 'unknown (killed)'}. Please check log file 'user_logs/std_log.txt' for error details.`;
  return tail ? `${head} Last lines:\n${tail}` : head;
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
    const componentId = String(prop(node, 'componentId') ?? prop(node, 'component') ?? '');
    const component = assetById(ctx.state, componentId);
    if (!component) throw new Error(`step '${stepName}': component '${componentId}' was not found`);
    const spec = component.resource.properties.componentSpec as Record<string, any>;
    const inputs: Record<string, Value> = {};
    for (const [name, def] of Object.entries((spec.inputs ?? {}) as Record<string, any>)) {
      if (def?.default !== undefined) inputs[name] = { kind: 'literal', value: String(def.default) };
    }
    for (const [name, binding] of Object.entries((node.inputs ?? {}) as Record<string, any>)) {
      const raw = binding && typeof binding === 'object' ? (binding.value ?? binding.uri ?? binding.path) : binding;
      const bound = bindValue(raw, parentInputs, nodeOutputs);
      if (bound) inputs[name] = bound;
    }
    const outputs: Record<string, string> = {};
    for (const name of Object.keys((spec.outputs ?? {}) as Record<string, unknown>)) {
      outputs[name] = path.join(ctx.dir, 'outputs', stepName.replace(/[^\w.-]/g, '_'), name);
    }
    ctx.job.steps[stepName] = 'Running';
    const status =
      spec.type === 'pipeline'
        ? await runGraph({ ...ctx, prefix: `${stepName}/` }, spec.jobs ?? {}, inputs, outputs)
        : await runCommandStep(ctx, stepName, spec, inputs, outputs);
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
