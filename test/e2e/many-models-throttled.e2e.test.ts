import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { newTrafficLog, startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle } from '../../scripts/lib/run-bundle';
import { SAMPLE, trainManyModels } from '../support/trained-model';
import { readTraffic } from '../support/traffic';

/**
 * GroupManyModels' fan-out against ARM's throttling with a small write bucket (8 writes, one more every 50
 * simulated seconds, 10 a real second on the emulator's clock), so a dozen containers cannot be deployed without meeting 429s: the task paces itself, waits on
 * Retry-After, and ends with every container created once.
 */
describe('GroupManyModels fan-out under ARM write throttling', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let log: string;
  let out: string;

  const group = () =>
    runBundle('GroupManyModels', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        modelTagFilter: 'ModelType=many-models-diabetes',
        splittingTags: 'Brand',
        sortingTags: 'Store',
        maxContainerSize: '4',
        servicePrefix: 'mt',
        concurrency: '8',
        environment: 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest',
        codePath: path.join(SAMPLE, 'src'),
        scoringScript: 'many_models_score.py',
        outputDirectory: out,
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });

  before(async () => {
    log = newTrafficLog();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'throttled-out-'));
    emulator = await startTrustedEmulator(log);
    await trainManyModels(emulator, 'throttled-train', { stores: 12, brands: 4 });
  });
  after(async () => {
    await emulator.stop();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('deploys 12 containers through 429s: every container created once, every model routed once', async () => {
    const throttle = emulator.state.throttleLikeArm({ writes: { size: 8, refillPerSecond: 0.02 } });
    fs.rmSync(log, { force: true });
    const run = await group();
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    assert.equal(run.outputs.newGroups, '12');
    assert.ok(throttle.counts.throttled > 0, 'the fan-out met ARM throttling');
    assert.match(run.stdout, /HTTP 429; retrying in/);
    const groupPuts = readTraffic(log).filter((t) => t.method === 'PUT' && /\/containerGroups\/[^/?]+\?/.test(t.url) && t.status < 300);
    const names = groupPuts.map((t) => new URL(t.url).pathname.split('/').pop());
    assert.equal(new Set(names).size, 12);
    assert.equal(names.length, 12, 'no container group was created twice');
    assert.equal(emulator.state.containerGroups.size, 12);
    const map = JSON.parse(fs.readFileSync(path.join(out, 'routing-map.json'), 'utf8')) as { containers: Record<string, { models: Record<string, string> }> };
    const models = Object.values(map.containers).flatMap((c) => Object.keys(c.models));
    assert.equal(models.length, 48);
    assert.equal(new Set(models).size, 48);
  });

  it('a re-run under the same throttling writes no container group', async () => {
    fs.rmSync(log, { force: true });
    const run = await group();
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    assert.equal(run.outputs.unchangedGroups, '12');
    assert.deepEqual(
      readTraffic(log).filter((t) => t.method !== 'GET' && /containerGroups/.test(t.url)),
      [],
    );
  });
});
