import * as path from 'node:path';
import { startTrustedEmulator } from '../emulator/seed';
import type { Emulator } from '../emulator/server';
import { emulatorConnection, emulatorServerEndpoint } from '../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle } from '../scripts/lib/run-bundle';
import { PipelineRun } from '../scripts/lib/pipeline-runner';
import { readArmConnection } from '../shared/azure/connection';
import { FakePlatform } from '../shared/platform/fake-platform';
import { TaskInputs } from '../shared/platform/inputs';
import { trainManyModels } from '../test/support/trained-model';

export interface AgentTimeFigures {
  trainingSeconds: number;
  agentlessWallSeconds: number;
  agentlessAgentSeconds: number;
  agentlessProcesses: number;
  pollingWallSeconds: number;
  pollingAgentSeconds: number;
  pollingProcesses: number;
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
 * Agent time held while a training job of `seconds` runs, from the pipeline runner's own accounting (agent jobs'
 * wall time, task and script processes' lifetimes): the agentless task in a server job against an agent job that
 * submits and polls.
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
    const platform = new FakePlatform({ inputs: { azureSubscription: connection.id }, endpoints: { [connection.id]: connection.endpoint } });
    const jobPath = `/subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${info.workspace}/jobs/bench-polling`;
    const pollJob = { connection: readArmConnection(new TaskInputs(platform)), jobPath, componentId: published.outputs.componentId, seconds, pollMs: 1000 };
    const pipeline = (file: string) =>
      new PipelineRun({
        file: path.join(REPO_ROOT, 'bench', 'fixtures', file),
        variables: {
          RESOURCE_GROUP: info.resourceGroup,
          WORKSPACE_NAME: info.workspace,
          COMPONENT_ID: published.outputs.componentId,
          SECONDS: String(seconds),
          POLL_JOB: JSON.stringify(pollJob),
        },
        connections: { arm: connection },
        serverEndpoint: emulatorServerEndpoint(emulator),
        buildId: '1',
        log: () => undefined,
      });
    const measure = async (file: string) => {
      const run = pipeline(file);
      const started = Date.now();
      const result = await run.run();
      if (result !== 'Succeeded') throw new Error(`${file} ended ${result}: ${run.steps.map((s) => s.message).join('; ')}`);
      return { wall: (Date.now() - started) / 1000, agent: run.agent.jobMs / 1000, processes: run.agent.processes };
    };
    const agentless = await measure('wait-agentless.yml');
    const polling = await measure('wait-polling.yml');
    return {
      trainingSeconds: seconds,
      agentlessWallSeconds: agentless.wall,
      agentlessAgentSeconds: agentless.agent,
      agentlessProcesses: agentless.processes,
      pollingWallSeconds: polling.wall,
      pollingAgentSeconds: polling.agent,
      pollingProcesses: polling.processes,
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
