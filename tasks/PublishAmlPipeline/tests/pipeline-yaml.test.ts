import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { snapshotFolder } from '../../../shared/aml/code-upload';
import { YamlFileError } from '../../../shared/yaml/yaml-docs';
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
    assert.deepEqual(p.settings, { defaultCompute: 'cpu-cluster', continueOnStepFailure: false, other: {} });
    const train = p.jobs.train.component;
    assert.ok(train?.kind === 'local' && train.component.type === 'command');
    assert.equal(train.component.name, 'diabetes_train');
    assert.equal(train.component.environment?.kind, 'inline');
    assert.match(train.component.codeDir ?? '', /samples\/diabetes\/src$/);
    assert.equal(p.jobs.train.outputs.model, '${{parent.outputs.model}}');
    assert.deepEqual(p.warnings, []);
  });

  it('reads workspace, latest, registry and ARM-id references and nested pipeline components', () => {
    const ws = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w';
    const dir = write({
      'main.yml': [
        'type: pipeline',
        'inputs:\n  n: 3',
        'jobs:',
        '  a:\n    type: command\n    component: azureml:shared_step:4',
        '  b:\n    type: command\n    component: azureml:shared_step@latest',
        '  c:\n    component: azureml://registries/azureml/components/train_model/versions/0.0.9',
        `  d:\n    component: azureml:${ws}/components/x/versions/2`,
        '  e:\n    command: echo hi\n    environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
        '  inner:\n    type: pipeline\n    component: file:./sub.yml\n    inputs:\n      n: ${{parent.inputs.n}}',
        '',
      ].join('\n'),
      'sub.yml':
        'type: pipeline\ninputs:\n  n:\n    type: integer\njobs:\n  x:\n    command: echo ${{inputs.n}}\n    environment: azureml:base@latest\n    inputs:\n      n: ${{parent.inputs.n}}\n',
    });
    const p = loadPipeline(path.join(dir, 'main.yml'));
    assert.deepEqual(p.jobs.a.component, { kind: 'ref', ref: { kind: 'workspace', type: 'components', name: 'shared_step', version: '4' } });
    assert.deepEqual(p.jobs.b.component, { kind: 'ref', ref: { kind: 'workspaceLatest', type: 'components', name: 'shared_step' } });
    const c = p.jobs.c.component;
    assert.ok(c?.kind === 'ref' && c.ref.kind === 'registry' && c.ref.registry === 'azureml' && c.ref.version === '0.0.9');
    assert.deepEqual(p.jobs.d.component, { kind: 'ref', ref: { kind: 'armId', type: 'components', id: `${ws}/components/x/versions/2` } });
    const e = p.jobs.e.component;
    assert.ok(e?.kind === 'local' && e.component.type === 'command' && e.component.environment?.kind === 'ref');
    assert.deepEqual(e.component.environment.ref, {
      kind: 'registry',
      type: 'environments',
      registry: 'azureml',
      name: 'sklearn-1.5',
      label: 'latest',
      uri: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
    });
    const inner = p.jobs.inner.component;
    assert.ok(inner?.kind === 'local' && inner.component.type === 'pipeline');
  });

  it('reads parallel, sweep, spark and automl jobs with their keys; an unknown setting is a warning with file:line', () => {
    const dir = write({
      'p.yml': [
        'type: pipeline',
        'settings:\n  default_compute: azureml:cpu-cluster\n  datastore: azureml:workspaceblobstore',
        'jobs:',
        '  score:\n    type: parallel\n    inputs:\n      data:\n        type: uri_folder\n        path: ./data\n    outputs:\n      out:\n        type: uri_file',
        '    input_data: ${{inputs.data}}\n    mini_batch_size: "2"\n    max_concurrency_per_instance: 2\n    error_threshold: -1\n    mini_batch_error_threshold: 1',
        '    retry_settings:\n      max_retries: 2\n      timeout: 60\n    logging_level: INFO\n    resources:\n      instance_count: 2',
        '    task:\n      type: run_function\n      code: ./src\n      entry_script: score.py\n      environment: azureml:env:1\n      append_row_to: ${{outputs.out}}',
        '  tune:\n    type: sweep\n    trial: ./trial.yml\n    sampling_algorithm: grid\n    search_space:\n      lr:\n        type: choice\n        values: [0.1, 0.2]',
        '    objective:\n      goal: maximize\n      primary_metric: acc\n    limits:\n      max_total_trials: 2\n    early_termination:\n      type: bandit\n      slack_factor: 0.1',
        '  wrangle:\n    type: spark\n    code: ./src\n    entry:\n      file: wrangle.py\n    conf:\n      spark.driver.cores: 1\n    resources:\n      instance_type: standard_e4s_v3\n      runtime_version: "3.4"',
        '  auto:\n    type: automl\n    task: classification\n    primary_metric: accuracy\n    target_column_name: y\n    training_data: ${{parent.jobs.score.outputs.out}}\n    limits:\n      max_trials: 2',
        '',
      ].join('\n'),
      'trial.yml': 'type: command\ncommand: python t.py --lr ${{inputs.lr}}\ncode: ./src\nenvironment: azureml:env:1\ninputs:\n  lr:\n    type: number\n',
      'src/score.py': '',
      'data/a.csv': 'x\n1\n',
    });
    const p = loadPipeline(path.join(dir, 'p.yml'));
    assert.deepEqual(Object.fromEntries(Object.entries(p.jobs).map(([k, v]) => [k, v.type])), {
      score: 'parallel',
      tune: 'sweep',
      wrangle: 'spark',
      auto: 'automl',
    });
    const score = p.jobs.score.component;
    assert.ok(score?.kind === 'local' && score.component.type === 'parallel');
    assert.deepEqual(score.component.fields.task, { type: 'run_function', entry_script: 'score.py', append_row_to: '${{outputs.out}}' });
    assert.equal(score.component.fields.mini_batch_size, '2');
    assert.deepEqual(p.jobs.score.fields.resources, { instance_count: 2 });
    assert.deepEqual(p.jobs.tune.fields.search_space, { lr: { type: 'choice', values: [0.1, 0.2] } });
    assert.equal(p.jobs.tune.component?.kind, 'local');
    assert.equal(p.jobs.auto.component, undefined);
    assert.equal(p.jobs.auto.fields.task, 'classification');
    assert.deepEqual(p.settings.other, { datastore: 'azureml:workspaceblobstore' });
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0], /^p\.yml:4: key 'settings\.datastore': is not a pipeline setting; az ml warns/);
  });

  for (const [label, files, message] of [
    ['not YAML', { 'p.yml': 'type: pipeline\njobs: [\n' }, /p\.yml:\d+: key '\(document\)': not valid YAML/],
    ['not a pipeline', { 'p.yml': 'type: command\ncommand: x\n' }, /p\.yml:1: key 'type': expected 'pipeline', found 'command'/],
    [
      'a job type this product does not read',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    type: data_transfer\n' },
      /p\.yml:4: key 'jobs\.a\.type': 'data_transfer' is not a job type; allowed: command, pipeline, parallel, sweep, spark, automl/,
    ],
    [
      'a sweep over a distribution grid sampling cannot take',
      {
        'p.yml':
          'type: pipeline\njobs:\n  a:\n    type: sweep\n    trial: azureml:t:1\n    sampling_algorithm: grid\n    search_space:\n      lr:\n        type: uniform\n        min_value: 0\n        max_value: 1\n    objective:\n      goal: maximize\n      primary_metric: acc\n',
      },
      /p\.yml:9: key 'jobs\.a\.search_space\.lr\.type': grid sampling takes choice distributions only; found 'uniform'/,
    ],
    [
      'a sweep without an objective',
      {
        'p.yml':
          'type: pipeline\njobs:\n  a:\n    type: sweep\n    trial: azureml:t:1\n    sampling_algorithm: random\n    search_space:\n      lr:\n        type: choice\n        values: [1]\n',
      },
      /p\.yml:4: key 'jobs\.a\.objective': is required/,
    ],
    [
      'a parallel job without an entry script',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    type: parallel\n    task:\n      type: run_function\n      environment: azureml:e:1\n' },
      /p\.yml:6: key 'jobs\.a\.task\.entry_script': is required/,
    ],
    [
      'a local data path that does not exist',
      {
        'p.yml':
          'type: pipeline\njobs:\n  a:\n    command: x\n    environment: azureml:e:1\n    inputs:\n      d:\n        type: uri_folder\n        path: ./nowhere\n',
      },
      /p\.yml:9: key 'jobs\.a\.inputs\.d\.path': the local path '\.\/nowhere' does not exist/,
    ],
    [
      'a registry reference to the wrong asset type',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    environment: azureml://registries/azureml/components/c/versions/1\n' },
      /p\.yml:5: key 'jobs\.a\.environment': 'azureml:\/\/registries\/azureml\/components\/c\/versions\/1' names registry components, not environments/,
    ],
    [
      'an unknown top-level key',
      { 'p.yml': 'type: pipeline\nschedule: daily\njobs:\n  a:\n    command: x\n    environment: azureml:e:1\n' },
      /p\.yml:2: key 'schedule': is not supported here/,
    ],
    [
      'a remote code reference',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    code: azureml:code:1\n    environment: azureml:e:1\n' },
      /p\.yml:5: key 'jobs\.a\.code': only a local code folder is read here/,
    ],
    [
      'a binding to an unknown job',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    environment: azureml:e:1\n    inputs:\n      d: ${{parent.jobs.zz.outputs.o}}\n' },
      /p\.yml:7: key 'jobs\.a\.inputs\.d': binds to job 'zz', which is not in this pipeline/,
    ],
    [
      'an environment reference without a version',
      { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    environment: azureml:e\n' },
      /p\.yml:5: key 'jobs\.a\.environment': 'azureml:e' is not a reference this product reads; use azureml:<name>:<version>/,
    ],
    ['a duplicate key', { 'p.yml': 'type: pipeline\njobs:\n  a:\n    command: x\n    command: y\n' }, /not valid YAML: Map keys must be unique/],
  ] as const) {
    it(`rejects ${label}, naming the file, line and key`, () => {
      const dir = write(files as Record<string, string>);
      assert.throws(
        () => loadPipeline(path.join(dir, 'p.yml')),
        (e: unknown) => e instanceof YamlFileError && (message as RegExp).test(e.message),
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
