import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { JobStatus } from '../kit/state';
import { PARALLEL_DRIVER } from './parallel-driver';
import { finishStep, prepareStep, renderCommand, type GraphContext, type PreparedStep, type Value } from './step-process';
import { tabularBatches } from './tabular-batches';

/**
 * A parallel job run for real: the input split into mini-batches (files, or rows of a table), `init()` and
 * `run(mini_batch)` in instance_count × max_concurrency_per_instance local worker processes, retries and a
 * timeout per mini-batch (retry_settings), the error thresholds, and `append_row_to` rows written to
 * `parallel_run_step.txt` in that output, as Azure ML's parallel run step does.
 */

interface Batch {
  index: number;
  items: string[];
  csv?: string;
  attempts: number;
}

interface Answer {
  batch: number;
  ok: boolean;
  rows?: string[];
  error?: string;
}

const num = (v: unknown, fallback: number) => (v === undefined || v === null || v === '' ? fallback : Number(v));

function fileBatches(root: string, size: number): Batch[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else files.push(path.join(dir, e.name));
    }
  };
  if (fs.statSync(root).isDirectory()) walk(root);
  else files.push(root);
  const out: Batch[] = [];
  for (let i = 0; i < files.length; i += size) out.push({ index: out.length, items: files.slice(i, i + size), attempts: 0 });
  return out;
}

class Worker {
  private child?: ChildProcess;
  private pending?: (a: Answer) => void;

  constructor(
    private readonly step: PreparedStep,
    private readonly argv: string[],
    private readonly log: number,
    /** The job's running processes: cancel and the emulator's stop kill them. */
    private readonly processes: Set<ChildProcess>,
  ) {}

  /** A worker process; what a stopped one still says or does is ignored. */
  private start(): ChildProcess {
    const child = spawn('python3', ['-c', PARALLEL_DRIVER, ...this.argv], { cwd: this.step.codeDir, env: this.step.env, stdio: ['pipe', 'pipe', this.log] });
    this.processes.add(child);
    child.on('exit', () => this.processes.delete(child));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.child === child && this.pending?.(JSON.parse(line) as Answer));
    child.on('close', (code) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.pending?.({ batch: -1, ok: false, error: `the worker process exited with code ${code} (init() or the entry script failed; see the log)` });
    });
    return child;
  }

  /** Sends one mini-batch; a timeout kills the worker (a new one starts, calling init() again). */
  run(batch: Batch, timeoutMs: number): Promise<Answer> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stop();
        resolve({ batch: batch.index, ok: false, error: `mini-batch ${batch.index} timed out after ${timeoutMs / 1000} s` });
      }, timeoutMs);
      this.pending = (a) => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve({ ...a, batch: batch.index });
      };
      child.stdin?.write(`${JSON.stringify({ batch: batch.index, items: batch.items, ...(batch.csv ? { csv: batch.csv } : {}) })}\n`);
    });
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    this.pending = undefined;
    child?.kill('SIGKILL');
  }

  end(): void {
    this.child?.stdin?.end();
  }
}

function mergedSpec(spec: Record<string, any>, node: Record<string, any>): Record<string, any> {
  const keys = [
    'mini_batch_size',
    'mini_batch_error_threshold',
    'error_threshold',
    'retry_settings',
    'max_concurrency_per_instance',
    'input_data',
    'resources',
    'logging_level',
    'partition_keys',
    'environment_variables',
  ];
  return { ...spec, ...Object.fromEntries(keys.filter((k) => node[k] !== undefined).map((k) => [k, node[k]])) };
}

/** The mini-batches of `input_data`: file lists for a folder of files; row chunks (or partitions) for a table. */
function batchesOf(s: Record<string, any>, input: Value | undefined, inputType: string, stepDir: string): Batch[] | string {
  if (!input || input.kind !== 'path') return `input_data '${s.input_data}' does not name a data input of this job`;
  const tabular = inputType === 'mltable' || (inputType === 'uri_file' && /\.(csv|tsv)$/i.test(input.path));
  if (!tabular) return fileBatches(input.path, num(s.mini_batch_size, 10));
  if (spawnSync('python3', ['-c', 'import pandas']).status !== 0)
    return 'cannot run locally: tabular mini-batches are pandas DataFrames and this machine has no pandas for python3 (install python3-pandas)';
  return tabularBatches(input.path, String(s.mini_batch_size ?? '1mb'), s.partition_keys, path.join(stepDir, 'mini-batches')).map((csv, index) => ({
    index,
    items: [],
    csv,
    attempts: 0,
  }));
}

export async function runParallelStep(
  ctx: GraphContext,
  stepName: string,
  componentSpec: Record<string, any>,
  node: Record<string, any>,
  inputs: Record<string, Value>,
  outputs: Record<string, string>,
): Promise<JobStatus> {
  const s = mergedSpec(componentSpec, node);
  const step = prepareStep(ctx, stepName, s, inputs, outputs);
  const inputName = /\$\{\{\s*inputs\.(\w+)\s*\}\}/.exec(String(s.input_data ?? ''))?.[1] ?? '';
  const batches = batchesOf(
    s,
    inputs[inputName],
    String(componentSpec.inputs?.[inputName]?.type ?? node.inputs?.[inputName]?.job_input_type ?? 'uri_folder'),
    step.stepDir,
  );
  if (typeof batches === 'string') return finishStep(ctx, step, 'Failed', batches);
  const argv = [path.join(step.codeDir, String(s.task?.entry_script)), ...splitArgs(renderCommand(String(s.task?.program_arguments ?? ''), inputs, outputs))];
  const workers = Math.max(1, num(s.resources?.instance_count, 1)) * Math.max(1, num(s.max_concurrency_per_instance, 1));
  const log = fs.openSync(step.logFile, 'w');
  const result = await schedule(ctx, step, s, batches, workers, argv, log);
  fs.closeSync(log);
  const appendTo = /\$\{\{\s*outputs\.(\w+)\s*\}\}/.exec(String(s.task?.append_row_to ?? ''))?.[1];
  if (appendTo && outputs[appendTo]) fs.writeFileSync(path.join(outputs[appendTo], 'parallel_run_step.txt'), result.rows.map((r) => `${r}\n`).join(''));
  const overview = `${batches.length} mini-batches, ${result.failed.length} failed, ${result.failedItems} failed items, ${workers} worker processes\n`;
  fs.writeFileSync(path.join(step.stepDir, 'user_logs', 'job_progress_overview.txt'), overview);
  if (ctx.job.cancelRequested) return finishStep(ctx, step, 'Canceled');
  return finishStep(ctx, step, result.error ? 'Failed' : 'Completed', result.error);
}

function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

async function schedule(ctx: GraphContext, step: PreparedStep, s: Record<string, any>, batches: Batch[], workers: number, argv: string[], log: number) {
  const maxRetries = num(s.retry_settings?.max_retries, 3);
  const timeoutMs = num(s.retry_settings?.timeout, 60) * 1000;
  const [batchThreshold, itemThreshold] = [num(s.mini_batch_error_threshold, -1), num(s.error_threshold, -1)];
  const queue = [...batches];
  const rows: string[][] = [];
  const failed: Batch[] = [];
  let error: string | undefined;
  const failedItems = () => failed.reduce((n, b) => n + Math.max(1, b.items.length), 0);
  const work = async (worker: Worker) => {
    for (let b = queue.shift(); b && !error && !ctx.job.cancelRequested; b = queue.shift()) {
      b.attempts++;
      const answer = await worker.run(b, timeoutMs);
      if (answer.ok) rows[b.index] = answer.rows ?? [];
      else {
        fs.writeSync(log, `mini-batch ${b.index} attempt ${b.attempts} failed: ${answer.error}\n`);
        if (b.attempts <= maxRetries) queue.push(b);
        else failed.push(b);
      }
      if (batchThreshold >= 0 && failed.length > batchThreshold)
        error = `${failed.length} mini-batches failed, more than mini_batch_error_threshold (${batchThreshold}); see user_logs/std_log.txt.`;
      else if (itemThreshold >= 0 && failedItems() > itemThreshold)
        error = `${failedItems()} items failed, more than error_threshold (${itemThreshold}); see user_logs/std_log.txt.`;
    }
    worker.end();
  };
  const pool = Array.from({ length: Math.min(workers, Math.max(1, batches.length)) }, () => new Worker(step, argv, log, ctx.job.processes));
  const cancelWatch = setInterval(() => ctx.job.cancelRequested && pool.forEach((w) => w.stop()), 100);
  await Promise.all(pool.map(work));
  clearInterval(cancelWatch);
  return { rows: rows.flat().filter((r) => r !== undefined), failed, failedItems: failedItems(), error };
}
