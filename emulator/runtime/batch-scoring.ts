import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assetResourceById } from '../kit/aml-registry';
import { prop } from '../kit/arm';
import { fail } from '../kit/http';
import { createRun, workspaceId, type BatchEndpoint, type EmulatorState, type JobRecord, type JobStatus } from '../kit/state';
import { batchModel } from '../resources/batch-lookup';
import { mountedModel } from '../resources/models';
import { execute } from './job-engine';
import { localInput } from './job-inputs';
import { mlflowBatchDriver } from './mlflow-batch';
import { runParallelStep } from './parallel-runner';
import { inferenceRuntime } from './python-runtime';
import type { GraphContext, Value } from './step-process';

/**
 * A batch endpoint invocation run for real: a model deployment's mini-batches through the scoring script's
 * `init()`/`run()` in local worker processes (the parallel runner), its rows appended to `output_file_name`; a
 * pipeline-component deployment as a pipeline job of that component. Outputs land on the default datastore at
 * `azureml/<job>/<output>/` (or where the invocation's OutputData points), where a caller reads them.
 */

type Input = { type: string; uri?: string; value?: string };

function invocationInputs(body: Record<string, any>): Record<string, Input> {
  const data = (prop(prop(body, 'properties'), 'InputData') ?? {}) as Record<string, Record<string, any>>;
  return Object.fromEntries(
    Object.entries(data).map(([name, i]) => [
      name,
      {
        type: String(prop(i, 'JobInputType') ?? 'UriFolder')
          .toLowerCase()
          .replace('_', ''),
        uri: prop(i, 'Uri'),
        value: prop(i, 'Value'),
      },
    ]),
  );
}

function outputPaths(body: Record<string, any>, job: string, names: string[]): Record<string, string> {
  const data = (prop(prop(body, 'properties'), 'OutputData') ?? {}) as Record<string, Record<string, any>>;
  return Object.fromEntries(
    names.map((n) => {
      const uri = prop(data[n], 'Uri') as string | undefined;
      const blobPath = uri ? /datastores\/workspaceblobstore\/paths\/(.+)$/.exec(uri)?.[1] : undefined;
      if (uri && !blobPath)
        fail(400, 'BadRequest', `Output '${n}' must go to the workspaceblobstore datastore (azureml://datastores/workspaceblobstore/paths/...), not '${uri}'.`);
      return [n, (blobPath ?? `azureml/${job}/${n}/`).replace(/\/?$/, '/')];
    }),
  );
}

/** Copies an output folder's files onto the datastore under `prefix`. */
function publish(state: EmulatorState, dir: string | undefined, prefix: string): void {
  if (dir && fs.existsSync(dir)) state.blobs.putFolder(dir, prefix);
}

function seconds(duration: unknown): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(String(duration ?? 'PT30S'));
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : 30;
}

async function runModelDeployment(ctx: GraphContext, d: Record<string, any>, input: Input, outDir: string): Promise<JobStatus> {
  const p = d.properties;
  const model = batchModel(ctx.state, String(p.model.assetId));
  const modelDir = model && mountedModel(ctx.state, ctx.job.workspace, String(model.properties.modelUri ?? ''));
  if (!modelDir) throw new Error(`the files of model '${p.model.assetId}' cannot be read`);
  // Without a scoring script (an MLflow model), Azure ML's own MLflow driver scores: a stand-in of it is written here.
  const driver = p.codeConfiguration ? undefined : mlflowBatchDriver(modelDir, path.join(ctx.dir, 'mlflow-driver'));
  if (typeof driver === 'string') throw new Error(driver);
  const local = localInput(ctx, String(input.uri ?? ''));
  const python = inferenceRuntime().python;
  const appendRow = (p.outputAction ?? 'AppendRow') === 'AppendRow';
  const spec = {
    type: 'parallel',
    code: driver ? path.join(ctx.dir, 'mlflow-driver') : p.codeConfiguration.codeId,
    task: { entry_script: driver?.script ?? p.codeConfiguration.scoringScript, ...(appendRow ? { append_row_to: '${{outputs.score}}' } : {}) },
    input_data: '${{inputs.input_data}}',
    // A model deployment's mini-batches are lists of files, for a folder and for a single file alike.
    inputs: { input_data: { type: 'uri_folder' } },
    mini_batch_size: p.miniBatchSize,
    resources: { instance_count: p.resources?.instanceCount ?? 1 },
    max_concurrency_per_instance: p.maxConcurrencyPerInstance,
    retry_settings: { max_retries: p.retrySettings?.maxRetries, timeout: seconds(p.retrySettings?.timeout) },
    error_threshold: p.errorThreshold,
    environment_variables: {
      ...(p.environmentVariables ?? {}),
      ...(driver?.environmentVariables ?? {}),
      AZUREML_MODEL_DIR: modelDir,
      AZUREML_BI_OUTPUT_PATH: outDir,
      // The curated inference environments' Python (scikit-learn, pandas) runs the workers.
      PATH: `${path.isAbsolute(python) ? `${path.dirname(python)}${path.delimiter}` : ''}${process.env.PATH ?? ''}`,
    },
  };
  const inputs: Record<string, Value> = { input_data: { kind: 'path', path: local } };
  const status = await runParallelStep(ctx, 'batchscoring', spec, {}, inputs, { score: outDir });
  const rows = path.join(outDir, 'parallel_run_step.txt');
  if (fs.existsSync(rows)) fs.renameSync(rows, path.join(outDir, String(p.outputFileName ?? 'predictions.csv')));
  return status;
}

/** Validates an invocation against its deployment and starts the job; the answer is the job as ARM shows it. */
export function startBatchJob(
  state: EmulatorState,
  certFile: string,
  baseUrl: string,
  endpoint: BatchEndpoint,
  deployment: Record<string, any>,
  body: Record<string, any>,
): JobRecord {
  const ws = endpoint.workspace;
  const name = `batchjob-${randomBytes(8).toString('hex')}`;
  const inputs = invocationInputs(body);
  const config = deployment.properties.deploymentConfiguration;
  const component = config ? assetResourceById(state, String(config.componentId.assetId)) : undefined;
  const outputNames = component ? Object.keys(component.properties.componentSpec?.outputs ?? {}) : ['score'];
  if (!component && Object.keys(inputs).length !== 1)
    fail(400, 'BadRequest', `A model deployment takes exactly one input (InputData), not ${Object.keys(inputs).length}.`);
  for (const [n, i] of Object.entries(inputs)) if (i.type !== 'literal' && !i.uri) fail(400, 'BadRequest', `Input '${n}' has no Uri.`);
  const outputs = outputPaths(body, name, outputNames);
  const resource = {
    id: `${workspaceId(ws)}/jobs/${name}`,
    name,
    type: 'Microsoft.MachineLearningServices/workspaces/jobs',
    properties: {
      jobType: 'Pipeline',
      experimentName: endpoint.name,
      displayName: name,
      status: 'NotStarted' as JobStatus,
      tags: {},
      properties: { 'azureml.batchrun': 'true', 'azureml.endpointname': endpoint.name, 'azureml.deploymentname': deployment.name },
      computeId: deployment.properties.compute,
      ...(component ? { componentId: config.componentId.assetId, settings: config.settings ?? {} } : {}),
      inputs: Object.fromEntries(
        Object.entries(inputs).map(([n, i]) => [
          n,
          i.type === 'literal' ? { jobInputType: 'literal', value: i.value } : { jobInputType: i.type === 'urifile' ? 'uri_file' : 'uri_folder', uri: i.uri },
        ]),
      ),
      outputs: Object.fromEntries(
        Object.entries(outputs).map(([n, p]) => [n, { jobOutputType: 'uri_folder', uri: `azureml://datastores/workspaceblobstore/paths/${p}` }]),
      ),
    },
  };
  const job: JobRecord = { workspace: ws, name, resource, baseUrl, cancelRequested: false, processes: new Set(), outputs: {}, steps: {}, errors: {} };
  state.jobs.set(`${workspaceId(ws)}/jobs/${name}`.toLowerCase(), job);
  setImmediate(() => void runBatchJob(state, certFile, job, deployment, inputs, outputs));
  return job;
}

async function runBatchJob(
  state: EmulatorState,
  certFile: string,
  job: JobRecord,
  deployment: Record<string, any>,
  inputs: Record<string, Input>,
  outputs: Record<string, string>,
) {
  if (deployment.properties.deploymentConfiguration) {
    await execute(state, job, certFile);
  } else {
    const dir = path.join(state.jobsRoot, job.name);
    fs.mkdirSync(dir, { recursive: true });
    createRun(state, job.name, String(job.resource.properties.experimentName), job.name, { 'azureml.batchrun': 'true' });
    job.resource.properties.status = 'Running';
    const ctx: GraphContext = { job, state, certFile, dir, prefix: '', continueOnStepFailure: false };
    job.outputs.score = path.join(dir, 'outputs', 'score');
    const status = await runModelDeployment(ctx, deployment, Object.values(inputs)[0], job.outputs.score).catch((err: Error) => {
      job.errors[job.name] = err.message;
      return 'Failed' as JobStatus;
    });
    if (status === 'Failed' && !job.errors[job.name]) job.errors[job.name] = job.errors[`${job.name}_batchscoring`] ?? 'The batch scoring step failed.';
    publish(state, job.outputs.score, outputs.score);
    const run = state.mlflowRuns.get(job.name);
    if (run) Object.assign(run.info, { status: status === 'Completed' ? 'FINISHED' : 'FAILED', end_time: Date.now() });
    job.resource.properties.status = status;
    return;
  }
  // No request is answered between the job's last status and this copy (only microtasks run in between).
  for (const [name, prefix] of Object.entries(outputs)) publish(state, job.outputs[name], prefix);
}
