import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

describe('benchmarks', function () {
  this.timeout(120_000);

  it('the quick run completes and prints every table (figures are read, never asserted)', () => {
    const output = execFileSync(process.execPath, [path.join(REPO_ROOT, 'out', 'bench', 'run.js'), '--quick'], { encoding: 'utf8' });
    assert.match(output, /## GroupManyModels plan/);
    assert.match(output, /\| 2000 +\| 10 +\|/);
  });
});
