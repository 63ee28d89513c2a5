import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTrustedEmulator } from '../emulator/seed';
import { addModelVersion } from '../emulator/resources/models';
import type { EmulatorState } from '../emulator/kit/state';
import { ARM_BUCKETS } from '../emulator/kit/throttling';
import { emulatorConnection } from '../scripts/lib/emulator-connection';
import { runBundle } from '../scripts/lib/run-bundle';
import { SAMPLE } from '../test/support/trained-model';

/** Every simulated wait (bucket refill, Retry-After, LRO polls) lasts this fraction of its time on ARM. */
const SCALE = 0.01;
const PER_CONTAINER = 500;

export interface WholeTaskFigures {
  models: number;
  run: 'first run' | 'no-change re-run' | 'one-bump re-run';
  containers: string;
  armReads: number;
  armWrites: number;
  throttled: number;
  scaledSeconds: number;
  /** What ARM's buckets alone impose on these calls: the calls past a full bucket at its refill rate. */
  armBoundMinutes: number;
  taskPeakRssMb: number;
  /** Container groups in the resource group after the run, and the containers the routing map serves. */
  groupsAfter: number;
  containersServed: number;
}

/** The time ARM's token buckets take to let `counts` through, from full buckets (reads 250 + 25/s, writes 200 + 10/s). */
function armBoundSeconds(counts: Record<string, number>): number {
  const past = (calls: number, { size, refillPerSecond }: { size: number; refillPerSecond: number }) => Math.max(0, calls - size) / refillPerSecond;
  return Math.max(past(counts.reads, ARM_BUCKETS.reads), past(counts.writes, ARM_BUCKETS.writes), past(counts.deletes, ARM_BUCKETS.deletes));
}

/** One trained ridge model (the sample's), the file every benchmark model is registered with. */
function modelFile(): Buffer {
  const script = 'import sys, ridge\nrows = ridge.read_rows("data/diabetes.csv")\nridge.save(ridge.fit(rows, 1.0), sys.argv[1])';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-model-')), 'model.json');
  execFileSync('python3', ['-c', script, file], { cwd: path.join(SAMPLE, 'src') });
  return fs.readFileSync(file);
}

function register(state: EmulatorState, name: string, version: string, store: number, file: Buffer): void {
  const folder = `bench/${name}/${version}`;
  state.blobs.set(`${folder}/model.json`, file);
  addModelVersion(state, state.defaultWorkspace, name, version, {
    modelUri: `azureml://datastores/workspaceblobstore/paths/${folder}`,
    tags: { ModelType: 'bench', Brand: `b${store % 10}`, Store: String(store) },
  });
}

/**
 * The whole GroupManyModels task (the bundle, as the agent runs it) on `models` models with ARM's throttling on,
 * time-scaled: a first deployment (containers of 500 models on ACI), a re-run with nothing retrained, and a re-run
 * after one model got a new version. ARM calls are counted by the emulator's throttle and turned into the time
 * ARM's buckets alone would take; the wall time is this machine's at the time scale (local work included); the
 * task's peak RSS is read by the task process itself.
 */
export async function measureWholeTask(models: number): Promise<WholeTaskFigures[]> {
  const emulator = await startTrustedEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-whole-'));
  const rssFile = path.join(dir, 'rss');
  const preload = path.join(dir, 'rss.js');
  fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  try {
    const { state } = emulator;
    const file = modelFile();
    for (let i = 0; i < models; i++) register(state, `bench-${i}`, '1', i, file);
    state.timeScale = SCALE;
    const figures: WholeTaskFigures[] = [];
    const measure = async (run: WholeTaskFigures['run']) => {
      const throttle = state.throttleLikeArm();
      const started = Date.now();
      const result = await runBundle('GroupManyModels', {
        inputs: {
          resourceGroupName: emulator.info.resourceGroup,
          workspaceName: emulator.info.workspace,
          modelTagFilter: 'ModelType=bench',
          splittingTags: 'Brand',
          sortingTags: 'Store',
          maxContainerSize: String(PER_CONTAINER),
          servicePrefix: 'bench',
          concurrency: '8',
          environment: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest',
          codePath: path.join(SAMPLE, 'src'),
          scoringScript: 'many_models_score.py',
          outputDirectory: path.join(dir, 'out'),
          timeoutMinutes: '360',
        },
        connection: emulatorConnection(emulator, 'spnKey'),
        env: { AML_TASKS_SIMULATED_TIME_SCALE: String(SCALE), NODE_OPTIONS: `--require=${preload}` },
      });
      if (result.result !== 'Succeeded') throw new Error(`GroupManyModels ${run} ended ${result.result}: ${result.message}`);
      const scaledSeconds = (Date.now() - started) / 1000;
      const o = result.outputs;
      figures.push({
        models,
        run,
        containers: `${o.newGroups} new, ${o.updatedGroups} updated, ${o.unchangedGroups} unchanged`,
        armReads: throttle.counts.reads,
        armWrites: throttle.counts.writes + throttle.counts.deletes,
        throttled: throttle.counts.throttled,
        scaledSeconds,
        armBoundMinutes: armBoundSeconds(throttle.counts) / 60,
        taskPeakRssMb: Number(fs.readFileSync(rssFile, 'utf8')) / 1024,
        groupsAfter: state.containerGroups.size,
        containersServed: Number(o.newGroups) + Number(o.updatedGroups) + Number(o.unchangedGroups),
      });
    };
    await measure('first run');
    await measure('no-change re-run');
    register(state, 'bench-7', '2', 7, file);
    await measure('one-bump re-run');
    return figures;
  } finally {
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
