import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { runL0 } from '../../../test/support/l0';

describe('DeployBatchEndpoint L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);
  let batch: string;

  before(() => {
    // The sample's batch folder, plus a copy of its YAML with a misspelt key.
    batch = fs.mkdtempSync(path.join(os.tmpdir(), 'l0-batch-'));
    const sample = path.join(REPO_ROOT, 'samples', 'diabetes', 'batch', 'batch-deployment.yml');
    const text = fs.readFileSync(sample, 'utf8').replace(/code: \.\.\/src/, `code: ${path.join(REPO_ROOT, 'samples', 'diabetes', 'src')}`);
    fs.writeFileSync(path.join(batch, 'batch-deployment.yml'), text);
    fs.writeFileSync(path.join(batch, 'typo.yml'), text.replace('mini_batch_size:', 'minibatch_size:'));
  });
  after(() => fs.rmSync(batch, { recursive: true, force: true }));

  const runScenario = (scenario: string) => runL0('DeployBatchEndpoint', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario, L0_BATCH: batch });

  it('names the file, line and key of a misspelt setting, with the supported keys', async () => {
    const tr = await runScenario('yamlTypo');
    assert.ok(tr.failed);
    assert.ok(
      tr.errorIssues.some((e) =>
        /^Input 'deploymentConfigFile': typo\.yml:\d+: key 'settings\.minibatch_size': is not supported here; supported keys: mini_batch_size/.test(e),
      ),
      tr.stdout,
    );
  });

  it('refuses an output action outside the allowed values, naming them', async () => {
    const tr = await runScenario('badAction');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'outputAction': 'append' is not allowed; allowed values: append_row, summary_only."), tr.stdout);
  });

  it('refuses a deployment type that disagrees with the YAML', async () => {
    const tr = await runScenario('typeClash');
    assert.ok(tr.failed);
    assert.ok(
      tr.createdErrorIssue("Input 'deploymentType': 'pipelineComponent' disagrees with the deployment YAML's type 'model'; make them agree."),
      tr.stdout,
    );
  });
});
