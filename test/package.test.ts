import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

const MB = 1024 * 1024;
const agentTasks = fs.readdirSync(path.join(REPO_ROOT, 'tasks')).filter((t) => fs.existsSync(path.join(REPO_ROOT, 'tasks', t, 'index.ts')));

describe('bundles and VSIX', function () {
  this.timeout(180_000);

  for (const task of agentTasks) {
    it(`${task} bundle is self-contained (only Node built-ins and its own dist files required) and within 1.5 MB`, () => {
      const dist = path.join(REPO_ROOT, 'tasks', task, 'dist');
      const files = fs.readdirSync(dist);
      const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
      let size = 0;
      for (const file of files) {
        const text = fs.readFileSync(path.join(dist, file), 'utf8');
        size += Buffer.byteLength(text);
        const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
        const foreign = [...required].filter((r) => !builtins.has(r) && !(r.startsWith('./') && files.includes(r.slice(2))));
        assert.deepEqual(foreign, [], `${file}: non-builtin requires: ${foreign.join(', ')}`);
      }
      assert.ok(files.includes('index.js'));
      console.log(`      ${task} bundle: ${(size / 1024).toFixed(0)} KB (${files.join(' + ')})`);
      assert.ok(size <= 1.5 * MB, `${size} bytes`);
    });
  }

  it('packs the dev variant VSIX from the staged folder with its own ids', () => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.js'), '--no-build', '--variant', 'dev', '--publisher', 'test-publisher'], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const vsix = path.join(REPO_ROOT, 'dist', `test-publisher.azureml-mlops-tasks-dev-${version}.vsix`);
    const bytes = fs.readFileSync(vsix);
    console.log(`      VSIX: ${(bytes.length / 1024).toFixed(0)} KB`);
    assert.ok(bytes.length <= 2.5 * MB);
    for (const task of agentTasks) {
      for (const entry of [`tasks/${task}/dist/index.js`, `tasks/${task}/task.json`, `tasks/${task}/icon.png`])
        assert.ok(bytes.includes(entry), `${entry} is in the VSIX`);
      const staged = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'dist', 'stage', 'tasks', task, 'task.json'), 'utf8')) as {
        id: string;
        friendlyName: string;
      };
      const source = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tasks', task, 'task.json'), 'utf8')) as { id: string };
      assert.notEqual(staged.id, source.id, 'the dev variant has its own task id');
      assert.match(staged.friendlyName, /\(dev\)$/);
    }
    for (const absent of ['node_modules', '.ts"', 'tests/']) assert.ok(!bytes.includes(absent), `${absent} is not shipped`);
  });

  it('refuses an unknown variant with the allowed values', () => {
    assert.throws(
      () =>
        execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.js'), '--no-build', '--variant', 'beta'], { cwd: REPO_ROOT, stdio: 'pipe' }),
      /--variant 'beta' is not allowed; allowed values: dev, release\./,
    );
  });
});
