import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection, emulatorServerEndpoint } from '../../scripts/lib/emulator-connection';
import { PipelineRun } from '../../scripts/lib/pipeline-runner';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';

/** The model factory's PR and CI pipelines and the promotion pipeline, run as Azure Pipelines would. */
describe('sample pipelines run end to end (local pipeline runner)', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  const lines: string[] = [];

  const runPipeline = (file: string, buildId: string) => {
    const { info } = emulator;
    return new PipelineRun({
      file: path.join(REPO_ROOT, 'samples', 'pipelines', file),
      variables: {
        AZURE_RM_SVC_CONNECTION: 'factory',
        RESOURCE_GROUP: info.resourceGroup,
        WORKSPACE_NAME: info.workspace,
        PROD_WORKSPACE_NAME: 'mlw-emulator-prod',
        REGISTRY_NAME: 'mlops-registry',
      },
      connections: { factory: emulatorConnection(emulator, 'spnKey', 'factory') },
      serverEndpoint: emulatorServerEndpoint(emulator),
      buildId,
      log: (l) => lines.push(l),
    });
  };

  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  it('model-factory-pr.yml: lint, unit tests, dry-run publish, PR training in a server job', async () => {
    const run = runPipeline('model-factory-pr.yml', '501');
    assert.equal(await run.run(), 'Succeeded', lines.join('\n'));
    assert.deepEqual(
      run.steps.map((s) => [s.step, s.result]),
      [
        ['step1', 'Succeeded'],
        ['step2', 'Succeeded'],
        ['check', 'Succeeded'],
        ['publish', 'Succeeded'],
        ['step1', 'Succeeded'],
      ],
    );
    assert.match(run.steps[2].message, /Dry run/i);
    assert.equal(
      emulator.state.jobs.get([...emulator.state.jobs.keys()].find((k) => k.endsWith(`azdo-${run.planId}-1`.toLowerCase())) ?? '')?.resource.properties.status,
      'Completed',
    );
  });

  it('model-factory-ci.yml: train, gate, managed online endpoint and smoke test; a second run with no better model deploys nothing', async () => {
    const first = runPipeline('model-factory-ci.yml', '502');
    assert.equal(await first.run(), 'Succeeded', lines.join('\n'));
    assert.equal(first.steps.find((s) => s.step === 'gate')?.outputs.registered, 'true');
    assert.match(first.steps.find((s) => s.step === 'online')?.outputs.traffic ?? '', /"blue":100/);
    assert.equal(first.steps.find((s) => s.step === 'batch')?.outputs.deploymentName, 'ridge');
    const smokes = first.steps.filter((s) => s.task?.startsWith('SmokeTest'));
    assert.deepEqual(
      smokes.map((s) => s.result),
      ['Succeeded', 'Succeeded'],
    );
    assert.match(smokes[1].outputs.outputUri, /\/score\/predictions\.csv$/);
    const second = runPipeline('model-factory-ci.yml', '503');
    assert.equal(await second.run(), 'SucceededWithIssues', lines.join('\n'));
    assert.equal(second.steps.find((s) => s.step === 'gate')?.outputs.registered, 'false');
    assert.ok(!second.steps.some((s) => s.task?.startsWith('DeployToAks') || s.task?.startsWith('DeployBatchEndpoint')), 'the deploy stages are skipped');
  });

  it('promotion.yml: the production version shared from the dev workspace into the registry, deploy in prod from the registry reference (online and batch), both smoke-tested', async () => {
    const run = runPipeline('promotion.yml', '504');
    assert.equal(await run.run(), 'Succeeded', lines.join('\n'));
    const registryModelId = run.steps.find((s) => s.step === 'promote')?.outputs.registryModelId ?? '';
    assert.match(registryModelId, /^azureml:\/\/registries\/mlops-registry\/models\/diabetes-factory\/versions\/\d+$/);
    const prod = [...emulator.state.onlineEndpoints.values()].find((e) => e.name === 'diabetes-factory-prod');
    assert.equal(prod?.workspace.name, 'mlw-emulator-prod');
    const deployment = [...(prod?.deployments.values() ?? [])][0] as { resource?: { properties: { model?: string } } } | undefined;
    assert.equal(deployment?.resource?.properties.model, registryModelId);
    assert.deepEqual(
      ['smokeOnline', 'smokeBatch'].map((n) => run.steps.find((s) => s.step === n)?.result),
      ['Succeeded', 'Succeeded'],
    );
  });
});
