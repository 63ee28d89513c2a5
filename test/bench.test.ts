import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

describe('benchmarks', function () {
  this.timeout(300_000);

  it('the quick run completes and prints every table (figures are read, never asserted)', () => {
    const output = execFileSync(process.execPath, [path.join(REPO_ROOT, 'out', 'bench', 'run.js'), '--quick'], { encoding: 'utf8' });
    for (const section of [
      '## Size',
      '## Cold start',
      '## Ready',
      '## Agent time held',
      '## Many-models listing',
      '## GroupManyModels plan',
      '## Deployment fan-out',
    ])
      assert.ok(output.includes(section), section);
    for (const task of ['DeployToAci', 'DeployToAks', 'EvaluateAndRegister', 'GroupManyModels', 'PublishAmlPipeline', 'SmokeTest'])
      assert.match(output, new RegExp(`\\| ${task} +\\|`), task);
    assert.match(output, /\| 2000 +\| 10 +\|/);
    assert.match(output, /RunAmlPipelineAgentless \(server job, callback\) \| 1 s/);
  });
});
