import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle } from '../../scripts/lib/run-bundle';
import { emulatorClients, endpointPath } from './arm';

export const SAMPLE = path.join(REPO_ROOT, 'samples', 'diabetes');
/** One row of the diabetes features (the first patient). */
export const ROW = [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87];

/**
 * The sample trained for real in the emulator and gated: PublishAmlPipeline, a pipeline job, then
 * EvaluateAndRegister, so `diabetes` v1 exists with the production tag. Returns the model version id.
 */
export async function trainAndRegisterSample(emulator: Emulator, jobName: string): Promise<string> {
  const connection = emulatorConnection(emulator, 'spnKey');
  const ws = { resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace };
  const published = await runBundle('PublishAmlPipeline', {
    inputs: { ...ws, pipelineFile: path.join(SAMPLE, 'pipeline.yml'), componentName: 'diabetes_pipeline', componentVersion: '1' },
    connection,
  });
  assert.equal(published.result, 'Succeeded', published.stdout);
  await runPipelineJob(emulator, published.outputs.componentId, jobName);
  const gate = await runBundle('EvaluateAndRegister', { inputs: { ...ws, jobName, modelName: 'diabetes', rules: 'mse lower' }, connection });
  assert.equal(gate.outputs.modelVersion, '1', gate.stdout);
  return gate.outputs.modelId;
}

/** Submits a pipeline job of a published component (literal inputs) and waits until it ends; returns its status. */
export async function runPipelineJob(emulator: Emulator, componentId: string, jobName: string, inputs: Record<string, string | number> = {}): Promise<string> {
  const { clients } = emulatorClients(emulator);
  const jobPath = endpointPath(emulator, 'x').replace('/onlineEndpoints/x', `/jobs/${jobName}`);
  const jobInputs = Object.fromEntries(Object.entries(inputs).map(([k, value]) => [k, { jobInputType: 'literal', value: String(value) }]));
  await clients
    .rest('2024-10-01')
    .request('PUT', jobPath, { operation: 'submit', body: { properties: { jobType: 'Pipeline', componentId, inputs: jobInputs } } });
  const job = () => [...emulator.state.jobs.values()].find((j) => j.name === jobName);
  while (!['Completed', 'Failed', 'Canceled'].includes(job()?.resource.properties.status)) await new Promise((r) => setTimeout(r, 50));
  return job()?.resource.properties.status;
}

export const MANY_MODELS = path.join(REPO_ROOT, 'samples', 'many-models');

/** Publishes the many-models sample pipeline and runs it: one model per store and brand, registered with tags. */
export async function trainManyModels(emulator: Emulator, jobName: string, inputs: Record<string, string | number>, componentVersion = '1'): Promise<void> {
  const connection = emulatorConnection(emulator, 'spnKey');
  const ws = { resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace };
  const published = await runBundle('PublishAmlPipeline', {
    inputs: { ...ws, pipelineFile: path.join(MANY_MODELS, 'pipeline.yml'), componentName: 'many_models_pipeline', componentVersion },
    connection,
  });
  assert.equal(published.result, 'Succeeded', published.stdout);
  const status = await runPipelineJob(emulator, published.outputs.componentId, jobName, inputs);
  const job = [...emulator.state.jobs.values()].find((j) => j.name === jobName);
  assert.equal(status, 'Completed', JSON.stringify(job?.steps));
}
