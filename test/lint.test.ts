import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

/** ESLint (typescript-eslint strict) and Prettier over the repository, as `npm run lint` runs them. */
describe('lint and format', function () {
  this.timeout(180_000);
  const run = (bin: string, args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', bin), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

  it('ESLint reports no problem', () => {
    const res = run('eslint/bin/eslint.js', ['--max-warnings=0', '.']);
    assert.equal(res.status, 0, `${res.stdout}${res.stderr}`.slice(-6000));
  });

  it('every file is formatted by Prettier', () => {
    const res = run('prettier/bin/prettier.cjs', ['--check', '.']);
    assert.equal(res.status, 0, `${res.stdout}${res.stderr}`.slice(-6000));
  });
});
