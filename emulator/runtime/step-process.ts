import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assetResourceById } from '../kit/aml-registry';
import { createRun, secretValue, workspaceId, type EmulatorState, type JobRecord, type JobStatus } from '../kit/state';
import { writeCodeFolder } from './code-folders';
import { lastLines } from './inference-server';

/** What a step's process needs from its pipeline job. */
export interface GraphContext {
  job: JobRecord;
  state: EmulatorState;
  certFile: string;
  dir: string;
  prefix: string;
  continueOnStepFailure: boolean;
}

export type Value = { kind: 'literal'; value: string } | { kind: 'path'; path: string };

export const valueText = (v: Value | undefined) => (v ? (v.kind === 'path' ? v.path : v.value) : '');

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

/** Fills `${{inputs.x}}`/`${{outputs.y}}`; drops `$[[...]]` optional blocks whose inputs were not given. */
export function renderCommand(command: string, inputs: Record<string, Value>, outputs: Record<string, string>): string {
  const fill = (text: string) =>
    text
      .replace(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, n: string) => valueText(inputs[n]))
      .replace(/\$\{\{\s*outputs\.(\w+)\s*\}\}/g, (_, n: string) => outputs[n] ?? '');
  return fill(
    command.replace(/\$\[\[(.*?)\]\]/gs, (_block: string, inner: string) => ([...inner.matchAll(/inputs\.(\w+)/g)].every((m) => inputs[m[1]]) ? inner : '')),
  );
}

export interface PreparedStep {
  runId: string;
  stepDir: string;
  codeDir: string;
  logFile: string;
  env: Record<string, string>;
}

/**
 * A step's folder (its code checked out), its MLflow run (a child of the pipeline's) and the environment variables
 * Azure ML gives its processes: run ids, a run token, MLflow's tracking URI, inputs and outputs.
 */
export function prepareStep(
  ctx: GraphContext,
  stepName: string,
  spec: Record<string, any>,
  inputs: Record<string, Value>,
  outputs: Record<string, string>,
): PreparedStep {
  const { job, state } = ctx;
  const stepDir = path.join(ctx.dir, stepName.replace(/[^\w.-]/g, '_'));
  const codeDir = path.join(stepDir, 'code');
  fs.mkdirSync(path.join(stepDir, 'user_logs'), { recursive: true });
  fs.mkdirSync(codeDir, { recursive: true });
  const code = spec.code ?? spec.task?.code;
  // A folder the emulator wrote itself (a stand-in of a service-side script) is copied as it is.
  if (typeof code === 'string' && state.jobsRoot && code.startsWith(state.jobsRoot)) fs.cpSync(code, codeDir, { recursive: true });
  else if (code) {
    const asset = assetResourceById(state, String(code));
    if (!asset) throw new Error(`code asset '${code}' was not found`);
    writeCodeFolder(state, asset.properties.codeUri, codeDir);
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
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`AZURE_ML_INPUT_${k}`, valueText(v)])),
    ...Object.fromEntries(Object.entries(outputs).map(([k, v]) => [`AZURE_ML_OUTPUT_${k}`, v])),
    ...Object.fromEntries(Object.entries((spec.environment_variables ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)])),
  };
  return { runId, stepDir, codeDir, logFile: path.join(stepDir, 'user_logs', 'std_log.txt'), env };
}

/** Runs `sh -c command` in the step's code folder, its output into the step's log; cancel or `signal` kills it. */
export async function runProcess(ctx: GraphContext, step: PreparedStep, command: string, signal?: AbortSignal): Promise<number | null> {
  const log = fs.openSync(step.logFile, 'a');
  const child: ChildProcess = spawn('sh', ['-c', command], { cwd: step.codeDir, env: step.env, stdio: ['ignore', log, log] });
  ctx.job.processes.add(child);
  const stop = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', stop);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  signal?.removeEventListener('abort', stop);
  fs.closeSync(log);
  ctx.job.processes.delete(child);
  return code;
}

/** Ends a step's MLflow run with `status`, recording a failure's message as the service reports it. */
export function finishStep(ctx: GraphContext, step: PreparedStep, status: JobStatus, error?: string): JobStatus {
  if (status === 'Failed' && error) ctx.job.errors[step.runId] = error;
  const run = ctx.state.mlflowRuns.get(step.runId);
  if (run) Object.assign(run.info, { status: status === 'Completed' ? 'FINISHED' : status === 'Failed' ? 'FAILED' : 'KILLED', end_time: Date.now() });
  return status;
}

/**
 * Azure ML's message for a user process that ended badly ("Execution failed. User process '…' exited with status
 * code N. Please check log file 'user_logs/std_log.txt' for error details."), with the log's last lines as the
 * service appends the error it found there.
 */
export function stepFailure(code: number | null, logFile: string): string {
  const tail = lastLines(fs.readFileSync(logFile, 'utf8').trimEnd(), 9).trim();
  const head = `Execution failed. User process 'sh' exited with status code ${code ?? 'unknown (killed)'}. Please check log file 'user_logs/std_log.txt' for error details.`;
  return tail ? `${head} Last lines:\n${tail}` : head;
}

/** A command step: its command as a local process. */
export async function runCommandStep(
  ctx: GraphContext,
  stepName: string,
  spec: Record<string, any>,
  inputs: Record<string, Value>,
  outputs: Record<string, string>,
  signal?: AbortSignal,
): Promise<JobStatus> {
  const step = prepareStep(ctx, stepName, spec, inputs, outputs);
  fs.writeFileSync(step.logFile, '');
  const code = await runProcess(ctx, step, renderCommand(String(spec.command ?? ''), inputs, outputs), signal);
  const status: JobStatus = ctx.job.cancelRequested || signal?.aborted ? 'Canceled' : code === 0 ? 'Completed' : 'Failed';
  return finishStep(ctx, step, status, status === 'Failed' ? stepFailure(code, step.logFile) : undefined);
}
