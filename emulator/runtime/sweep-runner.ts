import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRun, type JobStatus } from '../kit/state';
import { runCommandStep, type GraphContext, type Value } from './step-process';
import { sampleTrials } from './sweep-sampling';

/**
 * A sweep job run for real: trials drawn from the search space (grid or random), each the trial component run as
 * a child job with its sampled inputs, `max_concurrent_trials` at a time; the primary metric read from each trial's
 * MLflow run; early termination (bandit, median stopping, truncation selection) applied to running trials as they
 * log the metric; the best trial's outputs become the sweep's outputs.
 */

interface Trial {
  index: number;
  runId: string;
  params: Record<string, unknown>;
  outputs: Record<string, string>;
  status?: JobStatus;
  abort: AbortController;
  earlyTerminated?: boolean;
}

const num = (v: unknown, fallback: number) => (v === undefined || v === null ? fallback : Number(v));

function metricValues(ctx: GraphContext, runId: string, metric: string): number[] {
  return (ctx.state.mlflowRuns.get(runId)?.metrics.get(metric) ?? []).map((m) => Number(m.value));
}

/** Whether a running trial should stop now under `policy`, from the metric values all trials logged so far. */
function shouldStop(policy: Record<string, any>, mine: number[], others: number[][], maximize: boolean): boolean {
  const interval = Math.max(1, num(policy.evaluation_interval, 1));
  const step = mine.length;
  if (step === 0 || step <= num(policy.delay_evaluation, 0) || step % interval !== 0) return false;
  const better = (a: number, b: number) => (maximize ? a > b : a < b);
  const bestOf = (values: number[]) => values.reduce((x, y) => (better(y, x) ? y : x));
  const peers = others.filter((v) => v.length > 0);
  if (peers.length === 0) return false;
  const current = mine[mine.length - 1];
  const type = String(policy.type);
  if (type === 'bandit') {
    const best = bestOf(peers.map(bestOf));
    const factor = num(policy.slack_factor, 0);
    const bound =
      policy.slack_amount !== undefined
        ? maximize
          ? best - num(policy.slack_amount, 0)
          : best + num(policy.slack_amount, 0)
        : maximize
          ? best / (1 + factor)
          : best * (1 + factor);
    return better(bound, current);
  }
  const averages = peers.map((v) => v.slice(0, step).reduce((a, b) => a + b, 0) / Math.min(step, v.length));
  if (type === 'median_stopping') {
    const sorted = [...averages].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return better(median, bestOf(mine));
  }
  // truncation_selection: stop when the trial is among the worst truncation_percentage of all trials at this step.
  const all = [...averages, current].sort((a, b) => (maximize ? a - b : b - a));
  const cut = Math.floor((all.length * num(policy.truncation_percentage, 5)) / 100);
  return cut > 0 && all.indexOf(current) < cut;
}

export async function runSweepStep(
  ctx: GraphContext,
  stepName: string,
  trialSpec: Record<string, any>,
  node: Record<string, any>,
  inputs: Record<string, Value>,
  outputs: Record<string, string>,
): Promise<JobStatus> {
  const metric = String(node.objective?.primary_metric ?? '');
  const maximize = String(node.objective?.goal ?? '').toLowerCase() === 'maximize';
  const points = sampleTrials(node.search_space ?? {}, node.sampling_algorithm, node.limits?.max_total_trials);
  const sweepRunId = `${ctx.job.name}_${stepName.replace(/\//g, '_')}`;
  createRun(ctx.state, sweepRunId, String(ctx.job.resource.properties.experimentName), stepName, {
    'mlflow.parentRunId': ctx.job.name,
    'azureml.runsource': 'hyperdrive',
  });
  const trials: Trial[] = points.map((params, index) => ({
    index,
    runId: `${ctx.job.name}_${stepName.replace(/\//g, '_')}_trial_${index}`,
    params,
    outputs: Object.fromEntries(Object.keys(outputs).map((o) => [o, path.join(outputs[o], '..', `${path.basename(outputs[o])}_trials`, String(index))])),
    abort: new AbortController(),
  }));
  const queue = [...trials];
  const running = new Set<Trial>();
  const policy = node.early_termination as Record<string, any> | undefined;
  const watch = setInterval(() => {
    if (!policy) return;
    for (const t of running) {
      const others = trials.filter((o) => o !== t && o.status !== undefined).map((o) => metricValues(ctx, o.runId, metric));
      others.push(...[...running].filter((o) => o !== t).map((o) => metricValues(ctx, o.runId, metric)));
      if (shouldStop(policy, metricValues(ctx, t.runId, metric), others, maximize)) {
        t.earlyTerminated = true;
        t.abort.abort();
      }
    }
  }, 50);
  const worker = async () => {
    for (let t = queue.shift(); t && !ctx.job.cancelRequested; t = queue.shift()) {
      running.add(t);
      const trialInputs: Record<string, Value> = {
        ...inputs,
        ...Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, { kind: 'literal', value: String(v) } as Value])),
      };
      t.status = await runCommandStep(ctx, `${stepName}/trial_${t.index}`, trialSpec, trialInputs, t.outputs, t.abort.signal);
      running.delete(t);
      ctx.job.steps[`${stepName}/trial_${t.index}`] = t.earlyTerminated ? 'Canceled' : t.status;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, num(node.limits?.max_concurrent_trials, trials.length)) }, worker));
  clearInterval(watch);
  return finishSweep(ctx, sweepRunId, trials, metric, maximize, outputs);
}

function finishSweep(ctx: GraphContext, sweepRunId: string, trials: Trial[], metric: string, maximize: boolean, outputs: Record<string, string>): JobStatus {
  const scored = trials
    .filter((t) => t.status === 'Completed' && !t.earlyTerminated)
    .map((t) => ({ t, value: metricValues(ctx, t.runId, metric).at(-1) }))
    .filter((s): s is { t: Trial; value: number } => s.value !== undefined && !Number.isNaN(s.value));
  const run = ctx.state.mlflowRuns.get(sweepRunId);
  if (ctx.job.cancelRequested) return 'Canceled';
  if (scored.length === 0) {
    ctx.job.errors[sweepRunId] =
      `No trial completed with primary metric '${metric}' logged (${trials.length} trials: ${trials.filter((t) => t.status === 'Failed').length} failed, ${trials.filter((t) => t.earlyTerminated).length} early-terminated).`;
    if (run) Object.assign(run.info, { status: 'FAILED', end_time: Date.now() });
    return 'Failed';
  }
  const best = scored.reduce((a, b) => ((maximize ? b.value > a.value : b.value < a.value) ? b : a));
  for (const [name, folder] of Object.entries(outputs)) fs.cpSync(best.t.outputs[name], folder, { recursive: true });
  if (run) {
    run.tags['azureml.best_child_run_id'] = best.t.runId;
    run.tags['azureml.best_params'] = JSON.stringify(best.t.params);
    run.metrics.set(metric, [{ key: metric, value: best.value, timestamp: Date.now(), step: 0 }]);
    Object.assign(run.info, { status: 'FINISHED', end_time: Date.now() });
  }
  return 'Completed';
}
