import * as path from 'node:path';
import { startTrustedEmulator } from '../emulator/seed';
import type { Emulator } from '../emulator/server';
import { emulatorConnection, emulatorServerEndpoint, type Scheme, type TestConnection } from './lib/emulator-connection';
import { PipelineRun, type Result, type StepRecord } from './lib/pipeline-runner';
import { REPO_ROOT } from './lib/run-bundle';

/**
 * The demo: the sample YAML pipelines (samples/pipelines) run as Azure Pipelines would run them, on the task
 * bundles against the embedded emulator, with a progress line per step and a summary of the figures that
 * matter. Exits non-zero if a flow does not end as it should.
 */
const PIPELINES = path.join(REPO_ROOT, 'samples', 'pipelines');

interface Flow {
  name: string;
  file: string;
  scheme: Scheme;
  parameters?: Record<string, string>;
  expected: Result;
  /** What else must hold, as a message when it does not. */
  check: (steps: StepRecord[]) => string | undefined;
}

const output = (steps: StepRecord[], step: string, name: string) => steps.find((s) => s.step === step)?.outputs[name];
const resultOf = (steps: StepRecord[], step: string) => steps.find((s) => s.step === step)?.result;

const FLOWS: Flow[] = [
  {
    name: '1 MLOpsPython CI/CD',
    file: 'mlopspython-cicd.yml',
    scheme: 'wif',
    expected: 'Succeeded',
    check: (s) =>
      output(s, 'gate', 'registered') !== 'true'
        ? 'the first model was not registered'
        : resultOf(s, 'smokeAks') !== 'Succeeded'
          ? 'the AKS smoke test did not pass'
          : undefined,
  },
  {
    name: '2 worse model',
    file: 'mlopspython-cicd.yml',
    scheme: 'spnCertificate',
    parameters: { alpha: '5000' },
    expected: 'SucceededWithIssues',
    check: (s) =>
      output(s, 'gate', 'registered') !== 'false'
        ? 'the worse model was registered'
        : s.some((x) => x.task?.startsWith('DeployTo'))
          ? 'something was deployed'
          : undefined,
  },
  {
    name: '3 model factory',
    file: 'model-factory-ci.yml',
    scheme: 'spnKey',
    expected: 'Succeeded',
    check: (s) =>
      resultOf(s, 'batch') !== 'Succeeded'
        ? 'the batch deployment failed'
        : s.filter((x) => x.task?.startsWith('SmokeTest') && x.result === 'Succeeded').length !== 2
          ? 'the online and batch smoke tests did not both pass'
          : undefined,
  },
  {
    name: '4 promotion',
    file: 'promotion.yml',
    scheme: 'spnKey',
    expected: 'Succeeded',
    check: (s) =>
      !output(s, 'promote', 'registryModelId')?.startsWith('azureml://registries/')
        ? 'the model was not shared into the registry'
        : resultOf(s, 'smokeOnline') !== 'Succeeded' || resultOf(s, 'smokeBatch') !== 'Succeeded'
          ? 'the production smoke tests did not both pass'
          : undefined,
  },
  {
    name: '5 many models',
    file: 'many-models.yml',
    scheme: 'msi',
    expected: 'Succeeded',
    check: (s) => (output(s, 'group', 'newGroups') === '0' ? 'no container was deployed' : undefined),
  },
];

function figures(emulator: Emulator, planId: string, step: StepRecord): string {
  const o = step.outputs;
  if (step.task?.startsWith('RunAmlPipelineAgentless')) {
    const metrics = emulator.state.mlflowRuns.get(`azdo-${planId}-1`)?.metrics;
    const last = (k: string) => metrics?.get(k)?.slice(-1)[0]?.value;
    return last('mse') === undefined ? step.message : `${step.message}; mse ${last('mse')?.toFixed(1)}, r2 ${last('r2')?.toFixed(3)}`;
  }
  return [
    o.componentId && `${o.componentName}:${o.componentVersion}`,
    o.decision && `registered=${o.registered}${o.modelVersion ? ` v${o.modelVersion}` : ''}, champion ${o.championVersion || 'none'}`,
    o.fqdn && `ACI ${o.scoringUri}`,
    o.deploymentName && `${o.endpointName}/${o.deploymentName}${o.traffic ? `, traffic ${o.traffic}` : ''}`,
    o.registryModelId && `shared as ${o.registryModelId}`,
    o.jobName && `batch job ${o.jobName}: ${o.outputUri}`,
    o.latencyP50Ms && `status ${o.statusCode}, p50 ${o.latencyP50Ms} ms, p95 ${o.latencyP95Ms} ms`,
    o.newGroups && `containers: ${o.newGroups} new, ${o.updatedGroups} updated, ${o.unchangedGroups} unchanged, ${o.deletedGroups} deleted`,
    !step.task && step.message,
  ]
    .filter(Boolean)
    .join('; ');
}

async function main(): Promise<void> {
  const emulator = await startTrustedEmulator();
  const { info } = emulator;
  console.log(`Emulator on ${emulator.url}`);
  const rows: string[] = [];
  const problems: string[] = [];
  try {
    for (const [index, flow] of FLOWS.entries()) {
      const connectionName = `mlops-${flow.scheme}`;
      const connection: TestConnection = emulatorConnection(emulator, flow.scheme, connectionName);
      console.log(
        `\n[${flow.name}] samples/pipelines/${flow.file}${flow.parameters ? ` with ${JSON.stringify(flow.parameters)}` : ''}, connection ${connectionName} (${connection.endpoint.scheme})`,
      );
      const run = new PipelineRun({
        file: path.join(PIPELINES, flow.file),
        parameters: flow.parameters,
        variables: {
          AZURE_RM_SVC_CONNECTION: connectionName,
          RESOURCE_GROUP: info.resourceGroup,
          WORKSPACE_NAME: info.workspace,
          AKS_COMPUTE_NAME: 'aks-prod',
          ACI_DEPLOYMENT_NAME: 'diabetes-qa',
          AKS_ENDPOINT_NAME: 'diabetes-prod',
          PROD_WORKSPACE_NAME: 'mlw-emulator-prod',
          REGISTRY_NAME: 'mlops-registry',
        },
        connections: { [connectionName]: connection },
        serverEndpoint: emulatorServerEndpoint(emulator),
        buildId: String(101 + index),
        log: (line) => console.log(`  ${line}`),
      });
      const result = await run.run();
      const problem = result !== flow.expected ? `ended ${result}, expected ${flow.expected}` : flow.check(run.steps);
      console.log(`[${flow.name}] ${result}${problem ? ` - UNEXPECTED: ${problem}` : ''}`);
      if (problem) problems.push(`${flow.name}: ${problem}`);
      for (const step of run.steps.filter((s) => s.task || s.outputs.scoringUri))
        rows.push(`| ${flow.name} | ${step.stage}/${step.step} | ${step.result} | ${figures(emulator, run.planId, step)} |`);
    }
  } finally {
    await emulator.stop();
  }
  console.log('\nSummary');
  console.log('| Flow | Step | Result | Figures |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (problems.length) {
    console.error(`\n${problems.length} flow(s) did not end as expected: ${problems.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`Demo failed: ${(err as Error).stack}`);
  process.exitCode = 1;
});
