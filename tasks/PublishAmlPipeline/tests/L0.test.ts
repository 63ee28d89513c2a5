import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { runL0 } from '../../../test/support/l0';

const runScenario = (scenario: string) =>
  runL0('PublishAmlPipeline', path.join(__dirname, 'l0-scenario.js'), {
    L0_SCENARIO: scenario,
    L0_SAMPLE: path.join(REPO_ROOT, 'samples', 'diabetes', 'pipeline.yml'),
  });

describe('PublishAmlPipeline L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);

  it('fails on a pipeline file that does not exist', async () => {
    const tr = await runScenario('missingFile');
    assert.ok(tr.failed);
    assert.ok(
      tr.errorIssues.some((e) => /^Input 'pipelineFile': file '.*nope\.yml' does not exist/.test(e)),
      tr.stdout,
    );
  });

  it('fails on an invalid component name before any Azure call', async () => {
    const tr = await runScenario('badName');
    assert.ok(tr.failed);
    assert.ok(
      tr.errorIssues.some((e) => e.startsWith("Input 'componentName': 'Not-Valid' is not a valid component name")),
      tr.stdout,
    );
  });

  it('fails on a non-boolean dryRun, naming the allowed values', async () => {
    const tr = await runScenario('badBool');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'dryRun': 'maybe' is not a boolean; allowed values: true, false."), tr.stdout);
  });
});
