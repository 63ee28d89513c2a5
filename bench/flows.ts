import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startTrustedEmulator } from '../emulator/seed';
import type { Emulator } from '../emulator/server';
import { emulatorConnection } from '../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle } from '../scripts/lib/run-bundle';
import { ServerTaskSimulator } from '../scripts/lib/server-task-simulator';
import { readArmConnection } from '../shared/azure/connection';
import { FakePlatform } from '../shared/platform/fake-platform';
import { TaskInputs } from '../shared/platform/inputs';
import { trainManyModels } from '../test/support/trained-model';

export interface AgentTimeFigures {
  trainingSeconds: number;
  agentlessWallSeconds: number;
  agentlessAgentSeconds: number;
  pollingWallSeconds: number;
  pollingAgentSeconds: number;
}

export interface FanOutFigures {
  containers: number;
  concurrency: number;
  delayMs: number;
  throttled: number;
  rolloutSeconds: number;
  idealSeconds: number;
  failed: number;
}

function ws(emulator: Emulator): Record<string, string> {
  return { resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace };
}

/**
 * Agent time held while a training job of `seconds` runs: the agentless task (server side only: no agent
 * process exists while it waits for the callback) against an agent task that submits and polls.
 */
export async function measureAgentTime(seconds: number): Promise<AgentTimeFigures> {
  const emulator = await startTrustedEmulator();
  try {
    const connection = emulatorConnection(emulator, 'spnKey');
    const published = await runBundle('PublishAmlPipeline', {
      inputs: { ...ws(emulator), pipelineFile: path.join(REPO_ROOT, 'bench', 'fixtures', 'sleep-pipeline.yml'), componentName: 'sleep', componentVersion: '1' },
      connection,
    });
    if (published.result !== 'Succeeded') throw new Error(published.stdout);
    const { info } = emulator;
    const sim = new ServerTaskSimulator(
      path.join(REPO_ROOT, 'tasks', 'RunAmlPipelineAgentless', 'task.json'),
      {
        ...ws(emulator),
        componentId: published.outputs.componentId,
        jobName: 'bench-agentless',
        pipelineInputs: JSON.stringify({ seconds: { jobInputType: 'literal', value: String(seconds) } }),
      },
      {
        id: 'arm',
        url: info.armUrl,
        data: { subscriptionId: info.subscriptionId },
        token: () => emulator.state.issueToken(info.clientId, 'https://management.azure.com/.default').token,
      },
    );
    const agentless = Date.now();
    const { result } = await sim.run(seconds * 1000 + 60_000);
    if (result !== 'Succeeded') throw new Error(`agentless run ended ${result}`);
    const agentlessWallSeconds = (Date.now() - agentless) / 1000;

    const platform = new FakePlatform({ inputs: { azureSubscription: connection.id }, endpoints: { [connection.id]: connection.endpoint } });
    const arm = readArmConnection(new TaskInputs(platform));
    const jobPath = `/subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${info.workspace}/jobs/bench-polling`;
    const polling = Date.now();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'out', 'bench', 'poll-job.js')], {
      env: { ...process.env, POLL_JOB: JSON.stringify({ connection: arm, jobPath, componentId: published.outputs.componentId, seconds, pollMs: 1000 }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const pollingSeconds = (Date.now() - polling) / 1000;
    return {
      trainingSeconds: seconds,
      agentlessWallSeconds,
      agentlessAgentSeconds: 0,
      pollingWallSeconds: pollingSeconds,
      pollingAgentSeconds: pollingSeconds,
    };
  } finally {
    await emulator.stop();
  }
}

/**
 * GroupManyModels deploying `containers` containers (one model each), `concurrency` at a time, when each container
 * group takes `delayMs` to create and each model package is throttled once with a 429: the rollout time against
 * the ideal ceil(containers / concurrency) x delay.
 */
export async function measureFanOut(containers: number, concurrency: number, delayMs: number): Promise<FanOutFigures> {
  const emulator = await startTrustedEmulator();
  try {
    await trainManyModels(emulator, 'bench-fan-out', { stores: containers, brands: 1 });
    emulator.faults.add({ path: '/containerGroups/', method: 'PUT', fault: { type: 'latency', ms: delayMs }, times: 1, each: true });
    emulator.faults.add({
      path: /\/versions\/[^/]+\/package$/,
      method: 'POST',
      fault: { type: 'status', status: 429, retryAfterMs: 100 },
      times: 1,
      each: true,
    });
    const run = await runBundle('GroupManyModels', {
      inputs: {
        ...ws(emulator),
        modelTagFilter: 'ModelType=many-models-diabetes',
        maxContainerSize: '1',
        servicePrefix: 'fan',
        environment: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest',
        codePath: path.join(REPO_ROOT, 'samples', 'diabetes', 'src'),
        scoringScript: 'many_models_score.py',
        concurrency: String(concurrency),
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    const rolled = /Rolled out \d+ and deleted \d+ container\(s\) in ([\d.]+) s/.exec(run.stdout);
    if (!rolled) throw new Error(`GroupManyModels did not roll out: ${run.stdout.slice(-2000)}`);
    const throttled = emulator.faults.hits()[1];
    return {
      containers,
      concurrency,
      delayMs,
      throttled,
      rolloutSeconds: Number(rolled[1]),
      idealSeconds: (Math.ceil(containers / concurrency) * delayMs) / 1000,
      failed: run.result === 'Succeeded' ? 0 : Number(/(\d+) container\(s\) failed/.exec(run.message ?? '')?.[1] ?? 1),
    };
  } finally {
    await emulator.stop();
  }
}
