import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { snapshotFolder } from '../../../shared/aml/code-upload';
import { PipelineYamlError } from '../src/pipeline-model';
import { loadPipeline } from '../src/pipeline-yaml';

function write(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('pipeline YAML loader', () => {
  it('reads the sample: file components, inline environments, bindings, settings', () => {
    const p = loadPipeline(path.join(REPO_ROOT, 'samples', 'diabetes', 'pipeline.yml'));
    assert.deepEqual(Object.keys(p.jobs), ['prep', 'train', 'evaluate']);
    assert.deepEqual(p.settings, { defaultCompute: 'cpu-cluster', continueOnStepFailure: false });
    const train = p.jobs.train.component;
    assert.equal(train.kind, 'local');
    if (train.kind === 'local' && train.component.type === 'command') {
      assert.equal(train.component.name, 'diabetes_train');
      assert.equal(train.component.environment.kind, 'inline');
      assert.match(train.component.codeDir ?? '', /samples\/diabetes\/src$/);
    }
    assert.equal(p.jobs.train.outputs.model, '${{parent.outputs.model}}');
  });

  it('reads registered, latest and nested pipeline components', () => {
    const dir = write({
      'main.yml':
        'type: pipeline\ninputs:\n  n: 3\njobs:\n  a:\n    type: command\n    component: azureml:shared_step:4\n  b:\n    type: command\n    component: azureml:shared_step@latest\n  inner:\n    type: pipeline\n    component: file:./sub.yml\n    inputs:\n      n: ${{parent.inputs.n}}\n',
      'sub.yml':
        'type: pipeline\ninputs:\n  n:\n    type: integer\njobs:\n  x:\n    command: echo ${{inputs.n}}\n    environment: azureml:base@latest\n    inputs:\n      n: ${{parent.inputs.n}}\n',
    });
    const p = loadPipeline(path.join(dir, 'main.yml'));
    assert.deepEqual(p.jobs.a.component, { kind: 'registered', name: 'shared_step', version: '4' });
    assert.deepEqual(p.jobs.b.component, { kind: 'latest', name: 'shared_step' });
    const inner = p.jobs.inner.component;
    assert.ok(inner.kind === 'local' && inner.component.type === 'pipeline');
  });

  for (const [label, files, message] of [
    ['not YAML', { 'p.yml': 'type: pipeline\njobs: [\n' }, /p\.yml:\d+: key '\(document\)': not valid YAML/],
    ['not a pipeline', { 'p.yml': 'type: command\ncommand: x\n' }, /p\.yml:1: key 'type': expected 'pipeline', found 'command'/],
    [
      'a job type we do not run',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    type: sweep\n' },
      /p\.yml:4: key 'jobs\.a\.type': 'sweep' is not supported; supported job types: command, pipeline/,
    ],
    [
      'an unknown top-level key',
      { 'p.yml': 'type: pipeline\nschedule: daily\njobs:\n  a:\n    command: x\n    environment: azureml:e:1\n' },
      /p\.yml:2: key 'schedule': is not supported here/,
    ],
    [
      'a remote code reference',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    code: azureml:code:1\n    environment: azureml:e:1\n' },
      /p\.yml:5: key 'jobs\.a\.code': only local code folders are supported/,
    ],
    [
      'a binding to an unknown job',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    environment: azureml:e:1\n    inputs:\n      d: ${{parent.jobs.zz.outputs.o}}\n' },
      /p\.yml:7: key 'jobs\.a\.inputs\.d': binds to job 'zz', which is not in this pipeline/,
    ],
    [
      'an environment reference without a version',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    environment: azureml:e\n' },
      /p\.yml:5: key 'jobs\.a\.environment': 'azureml:e' is not supported/,
    ],
    ['a duplicate key', { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    command: y\n' }, /not valid YAML: Map keys must be unique/],
  ] as const) {
    it(`rejects ${label}, naming the file, line and key`, () => {
      const dir = write(files as Record<string, string>);
      assert.throws(
        () => loadPipeline(path.join(dir, 'p.yml')),
        (e: unknown) => e instanceof PipelineYamlError && (message as RegExp).test(e.message),
      );
    });
  }
});

describe('code folder snapshot', () => {
  it('hashes content and paths, honours .amlignore over .gitignore, and skips .git', () => {
    const dir = write({ 'a.py': 'print(1)', 'data/big.csv': 'x', 'logs/run.log': 'l', '.git/HEAD': 'ref', '.gitignore': 'logs/\n', 'keep/notes.txt': 'n' });
    const first = snapshotFolder(dir);
    assert.deepEqual(
      first.files.map((f) => f.rel),
      ['.gitignore', 'a.py', 'data/big.csv', 'keep/notes.txt'],
    );
    fs.writeFileSync(path.join(dir, '.amlignore'), 'data/\n*.txt\n!keep/notes.txt\n');
    const second = snapshotFolder(dir);
    assert.deepEqual(
      second.files.map((f) => f.rel),
      ['.amlignore', '.gitignore', 'a.py', 'keep/notes.txt', 'logs/run.log'],
    );
    assert.equal(snapshotFolder(dir).hash, second.hash, 'stable');
    fs.writeFileSync(path.join(dir, 'a.py'), 'print(2)');
    assert.notEqual(snapshotFolder(dir).hash, second.hash, 'content changes the hash');
  });
});
