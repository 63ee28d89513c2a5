import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTrustedEmulator } from '../emulator/seed';
import { emulatorConnection } from '../scripts/lib/emulator-connection';
import { runBundle } from '../scripts/lib/run-bundle';
import { MANY_MODELS, runPipelineJob } from '../test/support/trained-model';

export interface TrainingFigures {
  models: number;
  workers: string;
  miniBatches: number;
  trainSeconds: number;
}

/** A pipeline of the sample's partition and parallel training steps, with the training's instances and processes set on the node. */
function pipelineYaml(instances: number, perInstance: number): string {
  const components = path.join(MANY_MODELS, 'components');
  return [
    'type: pipeline',
    'inputs:\n  stores: 10\n  brands: 10',
    'jobs:',
    `  partition:\n    type: command\n    component: file:${path.join(components, 'partition.yml')}`,
    '    inputs:\n      stores: ${{parent.inputs.stores}}\n      brands: ${{parent.inputs.brands}}',
    `  train:\n    type: parallel\n    component: file:${path.join(components, 'train.yml')}`,
    '    inputs:\n      jobs: ${{parent.jobs.partition.outputs.jobs}}',
    `    resources:\n      instance_count: ${instances}\n    max_concurrency_per_instance: ${perInstance}`,
    '',
  ].join('\n');
}

/**
 * The many-models sample's training as a parallel job (mini-batches of 10 models) for `models` models, once per
 * worker layout, in one emulator: the parallel step's wall time from its run's start to its end.
 */
export async function measureParallelTraining(models: number, layouts: [number, number][]): Promise<TrainingFigures[]> {
  const emulator = await startTrustedEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-parallel-'));
  try {
    const figures: TrainingFigures[] = [];
    for (const [i, [instances, perInstance]] of layouts.entries()) {
      const file = path.join(dir, `pipeline-${i}.yml`);
      fs.writeFileSync(file, pipelineYaml(instances, perInstance));
      const published = await runBundle('PublishAmlPipeline', {
        inputs: {
          resourceGroupName: emulator.info.resourceGroup,
          workspaceName: emulator.info.workspace,
          pipelineFile: file,
          componentName: 'bench_training',
          componentVersion: String(i + 1),
        },
        connection: emulatorConnection(emulator, 'spnKey'),
      });
      if (published.result !== 'Succeeded') throw new Error(`publish failed: ${published.message}`);
      const job = `bench-train-${models}-${i}`;
      const status = await runPipelineJob(emulator, published.outputs.componentId, job, { stores: models / 10, brands: 10 });
      if (status !== 'Completed') throw new Error(`the training job ended ${status}`);
      const run = emulator.state.mlflowRuns.get(`${job}_train`);
      const overview = fs.readFileSync(path.join(emulator.state.jobsRoot, job, 'train', 'user_logs', 'job_progress_overview.txt'), 'utf8');
      figures.push({
        models,
        workers: `${instances} x ${perInstance}`,
        miniBatches: Number(/^(\d+) mini-batches/.exec(overview)?.[1]),
        trainSeconds: ((run?.info.end_time ?? NaN) - (run?.info.start_time ?? NaN)) / 1000,
      });
    }
    return figures;
  } finally {
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
