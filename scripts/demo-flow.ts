import * as path from 'node:path';
import { seedEndpoint, startTrustedEmulator } from '../emulator/seed';
import type { Emulator } from '../emulator/server';
import { emulatorConnection, type Scheme } from './lib/emulator-connection';
import { REPO_ROOT, runBundle, type BundleRun } from './lib/run-bundle';
import { ServerTaskSimulator } from './lib/server-task-simulator';

/**
 * The demo of the flows built so far, on the task bundles against the embedded emulator. Each step prints a
 * progress line; the run ends with a summary table and a non-zero exit code if any step failed.
 */
interface Step {
  name: string;
  task: string;
  scheme?: Scheme;
  inputs: (emulator: Emulator) => Record<string, string>;
}

const PAYLOAD = JSON.stringify({ data: [[0.038, 0.051, 0.062, 0.022, -0.044, -0.035, -0.043, -0.003, 0.02, -0.018]] });

async function createContainerGroup(emulator: Emulator, name: string): Promise<void> {
  const { subscriptionId, resourceGroup, clientId } = emulator.info;
  const token = emulator.state.issueToken(clientId, 'https://management.azure.com/.default').token;
  const url = `${emulator.url}/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${name}?api-version=2023-05-01`;
  const body = {
    location: 'westeurope',
    properties: {
      osType: 'Linux',
      containers: [{ name: 'model', properties: { image: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference', ports: [{ port: 5001 }], resources: { requests: { cpu: 1, memoryInGB: 1.5 } } } }],
      ipAddress: { type: 'Public', ports: [{ port: 5001, protocol: 'TCP' }], dnsNameLabel: name },
    },
  };
  const res = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`creating container group ${name}: HTTP ${res.status} ${await res.text()}`);
}

/** CI part of the flow: publish the sample pipeline, then train it from a server job (no agent held). */
interface Training {
  publish: BundleRun;
  result: string;
  jobName: string;
  metrics: Record<string, number>;
  gate?: BundleRun;
}

/** The gate after training: register and promote only a better model. */
async function gate(emulator: Emulator, jobName: string): Promise<BundleRun> {
  const run = await runBundle('EvaluateAndRegister', {
    inputs: { resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace, jobName, modelName: 'diabetes', rules: 'mse lower\nr2 higher threshold=0.3' },
    connection: emulatorConnection(emulator, 'wif', 'demo-gate'),
  });
  console.log(`      gate: ${run.result}: ${run.message}`);
  return run;
}

async function train(emulator: Emulator, alpha: string, jobName: string): Promise<Training> {
  const publish = await runBundle('PublishAmlPipeline', {
    inputs: { resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace, pipelineFile: path.join(REPO_ROOT, 'samples', 'diabetes', 'pipeline.yml'), componentName: 'diabetes_pipeline' },
    connection: emulatorConnection(emulator, 'wif', 'demo-publish'),
    env: { BUILD_BUILDID: '2026', BUILD_REPOSITORY_NAME: 'mlops-demo', BUILD_SOURCEVERSION: 'a1b2c3d' },
  });
  console.log(`      ${publish.result}: ${publish.message}`);
  if (publish.result !== 'Succeeded') return { publish, result: 'Skipped', jobName: '-', metrics: {} };
  const { info } = emulator;
  const sim = new ServerTaskSimulator(
    path.join(REPO_ROOT, 'tasks', 'RunAmlPipelineAgentless', 'task.json'),
    { resourceGroupName: info.resourceGroup, workspaceName: info.workspace, componentId: publish.outputs.componentId, experimentName: 'diabetes', jobName, pipelineInputs: `{"alpha": {"jobInputType": "literal", "value": "${alpha}"}}` },
    { id: 'arm', url: info.armUrl, data: { subscriptionId: info.subscriptionId }, token: () => emulator.state.issueToken(info.clientId, 'https://management.azure.com/.default').token },
  );
  const started = Date.now();
  const { result } = await sim.run(120_000);
  const run = emulator.state.mlflowRuns.get(jobName);
  const metrics = Object.fromEntries([...(run?.metrics ?? new Map()).entries()].map(([k, points]) => [k, points[points.length - 1].value]));
  console.log(`      agentless run ${jobName} (alpha ${alpha}): ${result} in ${((Date.now() - started) / 1000).toFixed(1)} s; mse ${metrics.mse?.toFixed(1)}, r2 ${metrics.r2?.toFixed(3)}`);
  return { publish, result, jobName, metrics, gate: result === 'Succeeded' ? await gate(emulator, jobName) : undefined };
}

const STEPS: Step[] = [
  {
    name: 'Smoke test: online endpoint, key auth, workload identity federation',
    task: 'SmokeTest',
    scheme: 'wif',
    inputs: (e) => ({ target: 'onlineEndpoint', resourceGroupName: e.info.resourceGroup, workspaceName: e.info.workspace, endpointName: 'diabetes-prod', payload: PAYLOAD, requestCount: '20', maxLatencyMs: '1000', assertions: 'len($.predictions) == 1' }),
  },
  {
    name: 'Smoke test: 0% canary deployment through the deployment header, certificate auth',
    task: 'SmokeTest',
    scheme: 'spnCertificate',
    inputs: (e) => ({ target: 'onlineEndpoint', resourceGroupName: e.info.resourceGroup, workspaceName: e.info.workspace, endpointName: 'diabetes-prod', deploymentName: 'green', payload: PAYLOAD, assertions: '$.deployment == "green"' }),
  },
  {
    name: 'Smoke test: Kubernetes endpoint with Azure ML token, client secret',
    task: 'SmokeTest',
    scheme: 'spnKey',
    inputs: (e) => ({ target: 'onlineEndpoint', resourceGroupName: e.info.resourceGroup, workspaceName: e.info.workspace, endpointName: 'diabetes-aks', payload: PAYLOAD, requestCount: '10' }),
  },
  {
    name: 'Smoke test: container group (QA), managed identity',
    task: 'SmokeTest',
    scheme: 'msi',
    inputs: (e) => ({ target: 'containerGroup', resourceGroupName: e.info.resourceGroup, containerGroupName: 'diabetes-qa', payload: PAYLOAD, requestCount: '10', assertions: '$.predictions[0] > 0' }),
  },
];

async function main(): Promise<void> {
  const emulator = await startTrustedEmulator();
  console.log(`Emulator on ${emulator.url}`);
  const rows: { step: string; run: BundleRun }[] = [];
  const trainings: Training[] = [];
  try {
    seedEndpoint(emulator, { name: 'diabetes-prod', authMode: 'Key', deployments: { blue: { traffic: 100 }, green: { traffic: 0 } } });
    seedEndpoint(emulator, { name: 'diabetes-aks', authMode: 'AMLToken', compute: 'aks-prod' });
    await createContainerGroup(emulator, 'diabetes-qa');
    console.log('[CI] Publish the diabetes pipeline, train it agentless, gate and register ...');
    trainings.push(await train(emulator, '1.0', 'demo-train-1'));
    console.log('[CI] Retrain with a much stronger penalty (a worse model): the gate must skip ...');
    trainings.push(await train(emulator, '5000', 'demo-train-2'));
    for (const [i, step] of STEPS.entries()) {
      console.log(`[${i + 1}/${STEPS.length}] ${step.name} ...`);
      const connection = step.scheme ? emulatorConnection(emulator, step.scheme, `demo-${step.scheme}`) : undefined;
      const run = await runBundle(step.task, { inputs: step.inputs(emulator), connection });
      console.log(`      ${run.result}: ${run.message} (${run.durationMs} ms)`);
      rows.push({ step: step.name, run });
    }
  } finally {
    await emulator.stop();
  }
  console.log('\nSummary');
  for (const t of trainings) {
    const g = t.gate?.outputs;
    console.log(`Training ${t.jobName}: ${t.result} (mse ${t.metrics.mse?.toFixed(1)}, r2 ${t.metrics.r2?.toFixed(3)}); gate: ${t.gate?.result ?? '-'}, registered=${g?.registered ?? '-'}${g?.modelVersion ? ` as diabetes v${g.modelVersion}` : ''}`);
  }
  console.log('');
  console.log('| Step | Result | Status | p50 ms | p95 ms |');
  console.log('|---|---|---|---|---|');
  for (const { step, run } of rows) {
    console.log(`| ${step} | ${run.result} | ${run.outputs.statusCode ?? '-'} | ${run.outputs.latencyP50Ms ?? '-'} | ${run.outputs.latencyP95Ms ?? '-'} |`);
  }
  const failed = rows.filter((r) => r.run.result !== 'Succeeded');
  const expectedGate = ['Succeeded', 'SucceededWithIssues'];
  trainings.forEach((t, i) => {
    if (t.result !== 'Succeeded' || t.gate?.result !== expectedGate[i]) failed.push({ step: `training ${t.jobName}`, run: t.gate ?? t.publish });
  });
  if (failed.length) {
    console.error(`\n${failed.length} step(s) failed.`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`Demo failed: ${(err as Error).stack}`);
  process.exitCode = 1;
});
