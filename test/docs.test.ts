import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';

const docs = require(path.join(REPO_ROOT, 'scripts', 'gen-docs.js')) as { readme: (dir: string) => string; tasks: () => string[] };
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

describe('docs', () => {
  for (const task of docs.tasks()) {
    it(`tasks/${task}/README.md is generated from task.json and fresh (npm run docs)`, () => {
      const file = path.join(REPO_ROOT, 'tasks', task, 'README.md');
      assert.ok(fs.existsSync(file), `run npm run docs: ${file} is missing`);
      assert.equal(fs.readFileSync(file, 'utf8'), docs.readme(path.join(REPO_ROOT, 'tasks', task)), `run npm run docs: ${file} is stale`);
      assert.match(fs.readFileSync(file, 'utf8'), /## YAML example/, 'the samples use the task');
    });
  }

  it('overview.md shows every task with a YAML snippet, the connection setup and the migration table', () => {
    const overview = fs.readFileSync(path.join(REPO_ROOT, 'overview.md'), 'utf8');
    for (const task of docs.tasks()) {
      assert.match(overview, new RegExp(`## ${task}`), `${task} has a section`);
      assert.match(overview, new RegExp(`- task: ${task}@1`), `${task} has a YAML snippet`);
    }
    assert.match(overview, /Workload identity federation/);
    assert.match(overview, /## Moving to these tasks/);
  });

  it('CHANGELOG.md has an entry for the current version', () => {
    assert.match(fs.readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
  });
});
