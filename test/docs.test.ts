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
  it('every link in the README, contributor docs, overview and task READMEs resolves inside the repository', () => {
    const pages = [
      'README.md',
      'CONTRIBUTING.md',
      'overview.md',
      'CHANGELOG.md',
      ...fs.readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`),
      ...docs.tasks().map((t) => `tasks/${t}/README.md`),
    ];
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const text = fs.readFileSync(path.join(REPO_ROOT, page), 'utf8');
      if (/\.\.\/shared\//.test(text)) broken.push(`${page}: points outside the repository (../shared)`);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
        checked += 1;
        const resolved = path.resolve(REPO_ROOT, path.dirname(page), target.split('#')[0]);
        if (!resolved.startsWith(REPO_ROOT) || !fs.existsSync(resolved)) broken.push(`${page}: ${target}`);
      }
    }
    assert.ok(checked >= 4, `checked ${checked} relative links`);
    assert.deepEqual(broken, []);
  });
});
