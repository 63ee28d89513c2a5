import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection, emulatorServerEndpoint } from '../../scripts/lib/emulator-connection';
import { PipelineRun } from '../../scripts/lib/pipeline-runner';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';

/** samples/pipelines/live-check.yml, the kit a maintainer runs once on a real organization, runs green here too. */
describe('live conformance check (samples/pipelines/live-check.yml) against the emulator', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  const lines: string[] = [];

  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  it('submit and attach callbacks fire, the templated fields evaluate, ACI serves and SmokeTest reaches it: a verdict table with every check passed', async () => {
    const { info } = emulator;
    const run = new PipelineRun({
      file: path.join(REPO_ROOT, 'samples', 'pipelines', 'live-check.yml'),
      variables: { AZURE_RM_SVC_CONNECTION: 'live-wif', RESOURCE_GROUP: info.resourceGroup, WORKSPACE_NAME: info.workspace },
      parameters: { holdSeconds: '4', attachAfterMinutes: '1' },
      connections: { 'live-wif': emulatorConnection(emulator, 'wif', 'live-wif') },
      serverEndpoint: emulatorServerEndpoint(emulator),
      buildId: '901',
      log: (l) => lines.push(l),
      minuteMs: 1000,
    });
    assert.equal(await run.run(), 'Succeeded', lines.join('\n'));
    const job = [...emulator.state.jobs.values()].find((j) => j.name === 'live-check-901')!;
    const hooks = Object.keys(job.resource.properties.notificationSetting.webhooks);
    assert.equal(hooks.length, 2, 'the submit webhook (keyed by timeline and job) and the attach webhook (keyed by timeline, as documented) coexist');
    assert.equal(job.resource.properties.displayName, 'live check 901');
    assert.equal(job.resource.properties.tags.liveCheck, 'templated');
    const [summary] = run.summaries;
    assert.ok(summary, 'the verdict step uploads its table to the run summary');
    assert.equal((summary.markdown.match(/\| pass \|/g) ?? []).length, 6, summary.markdown);
    assert.doesNotMatch(summary.markdown, /FAIL/);
    assert.match(summary.markdown, /the gate found job 'live-check-901' by its AzureDevOpsPlanId tag/);
  });
});
