import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection, emulatorServerEndpoint } from '../../scripts/lib/emulator-connection';
import { PipelineRun } from '../../scripts/lib/pipeline-runner';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';

/** The model factory's PR and CI pipelines, run as Azure Pipelines would (the demo runs the other samples). */
describe('sample pipelines run end to end (local pipeline runner)', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  const lines: string[] = [];

  const runPipeline = (file: string, buildId: string) => {
    const { info } = emulator;
    return new PipelineRun({
      file: path.join(REPO_ROOT, 'samples', 'pipelines', file),
      variables: { AZURE_RM_SVC_CONNECTION: 'factory', RESOURCE_GROUP: info.resourceGroup, WORKSPACE_NAME: info.workspace },
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
    const second = runPipeline('model-factory-ci.yml', '503');
    assert.equal(await second.run(), 'SucceededWithIssues', lines.join('\n'));
    assert.equal(second.steps.find((s) => s.step === 'gate')?.outputs.registered, 'false');
    assert.ok(!second.steps.some((s) => s.task?.startsWith('DeployToAks')), 'the deploy stage is skipped');
  });
});
