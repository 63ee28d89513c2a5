import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { seedRegistryAsset, startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { runPipelineJob } from '../support/trained-model';

/**
 * Parallel and sweep jobs published from YAML and run for real by the emulator; automl stored but not run;
 * registry environments resolved or refused; local data uploaded once.
 */
describe('pipeline vocabulary: parallel, sweep, automl, registry assets, local data', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let dir: string;

  const ENV = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const publish = (file: string, name: string): Promise<BundleRun> =>
    runBundle('PublishAmlPipeline', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        pipelineFile: path.join(dir, file),
        componentName: name,
        componentVersion: '1',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
  const job = (name: string) => [...emulator.state.jobs.values()].find((j) => j.name === name);

  before(async () => {
    emulator = await startTrustedEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vocab-'));
    write('src/mlflow_rest.py', fs.readFileSync(path.join(REPO_ROOT, 'samples', 'diabetes', 'src', 'mlflow_rest.py'), 'utf8'));
    for (let i = 0; i < 25; i++) write(`data/item-${String(i).padStart(2, '0')}.txt`, 'x'.repeat(i + 1));
    write(
      'src/count.py',
      [
        'import argparse, os, sys',
        'def init():',
        '    global args',
        '    p = argparse.ArgumentParser(); p.add_argument("--label"); p.add_argument("--flaky")',
        '    args, _ = p.parse_known_args()',
        'def run(mini_batch):',
        '    flag = os.path.join(args.flaky, "failed-once")',
        '    if any(f.endswith("item-07.txt") for f in mini_batch) and not os.path.exists(flag):',
        '        open(flag, "w").close()',
        '        raise RuntimeError("a transient failure")',
        '    if any(f.endswith("item-13.txt") for f in mini_batch) and args.label == "strict":',
        '        raise ValueError("item 13 is bad")',
        '    return [f"{args.label} {os.path.basename(f)} {os.path.getsize(f)} {os.getpid()}" for f in mini_batch]',
        '',
      ].join('\n'),
    );
    write(
      'src/trial.py',
      'import sys, mlflow_rest\nlr = float(sys.argv[1])\nfor step in range(3):\n    mlflow_rest.log_metrics({"score": 1 - (lr - 0.2) ** 2})\nopen(sys.argv[2] + "/lr.txt", "w").write(str(lr))\n',
    );
    write(
      'trial.yml',
      `type: command\ncode: ./src\nenvironment: ${ENV}\ncommand: python trial.py \${{inputs.lr}} \${{outputs.model}}\ninputs:\n  lr:\n    type: number\n    default: 0.5\noutputs:\n  model:\n    type: uri_folder\n`,
    );
    const parallel = (label: string, extra: string) =>
      [
        '    type: parallel',
        '    inputs:\n      data:\n        type: uri_folder\n        path: ./data',
        '    outputs:\n      rows:\n        type: uri_folder',
        `    input_data: \${{inputs.data}}\n    mini_batch_size: "3"\n    max_concurrency_per_instance: 2\n    resources:\n      instance_count: 2${extra}`,
        `    task:\n      type: run_function\n      code: ./src\n      entry_script: count.py\n      environment: ${ENV}`,
        `      program_arguments: --label ${label} --flaky \${{outputs.rows}}\n      append_row_to: \${{outputs.rows}}`,
      ].join('\n');
    write(
      'pipeline.yml',
      [
        'type: pipeline',
        'settings:\n  default_compute: azureml:cpu-cluster\n  datastore: azureml:workspaceblobstore',
        'jobs:',
        `  count:\n${parallel('ok', '\n    retry_settings:\n      max_retries: 2\n      timeout: 60')}`,
        '  tune:\n    type: sweep\n    trial: ./trial.yml\n    sampling_algorithm: grid\n    search_space:\n      lr:\n        type: choice\n        values: [0.1, 0.2, 0.3, 0.9]',
        '    objective:\n      goal: maximize\n      primary_metric: score\n    limits:\n      max_total_trials: 4\n      max_concurrent_trials: 2',
        '    outputs:\n      model:\n        type: uri_folder',
        '  hello:\n    command: echo hello\n    environment:\n      name: built-env\n      build:\n        path: ./docker',
        '',
      ].join('\n'),
    );
    write('docker/Dockerfile', 'FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\nRUN pip install scikit-learn\n');
    write(
      'strict.yml',
      `type: pipeline\njobs:\n  count:\n${parallel('strict', '\n    mini_batch_error_threshold: 0\n    retry_settings:\n      max_retries: 1')}\n`,
    );
    write(
      'automl.yml',
      'type: pipeline\njobs:\n  auto:\n    type: automl\n    task: classification\n    primary_metric: accuracy\n    target_column_name: y\n    training_data:\n      type: mltable\n      path: azureml:train:1\n',
    );
    write(
      'unknown-env.yml',
      'type: pipeline\njobs:\n  a:\n    command: echo hi\n    environment: azureml://registries/azureml/environments/sklearn-0.1/labels/latest\n',
    );
  });
  after(async () => {
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes parallel and sweep jobs with a registry environment; local data goes up once', async () => {
    const first = await publish('pipeline.yml', 'vocab_pipeline');
    assert.equal(first.result, 'Succeeded', first.stdout);
    assert.match(first.stdout, /data data:local uploaded \(25 file\(s\)/);
    assert.match(first.stdout, /environment sklearn-1\.5:latest referenced/);
    assert.match(first.stdout, /##vso\[task.issue type=warning;source=TaskInternal;\]pipeline\.yml:4: key 'settings\.datastore': is not a pipeline setting/);
    const spec = emulator.state.assets.get(`${first.outputs.componentId}`.toLowerCase())?.resource.properties.componentSpec;
    assert.equal(spec.jobs.count.type, 'parallel');
    assert.match(spec.jobs.count.inputs.data.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/data\/$/);
    assert.deepEqual(spec.jobs.tune.trial, { componentId: spec.jobs.tune.componentId });
    assert.deepEqual(spec.settings, { datastore: 'azureml:workspaceblobstore', default_compute: 'cpu-cluster' });
    const env = [...emulator.state.assets.values()].find((a) => a.kind === 'environments' && a.name === 'built-env')?.resource.properties;
    assert.match(env?.build.contextUri, /^https:\/\/.*\/LocalUpload\/[0-9a-f]{32}\/docker\/$/);
    assert.equal(env?.build.dockerfilePath, 'Dockerfile');
    assert.equal(env?.image, undefined);
    const again = await publish('pipeline.yml', 'vocab_pipeline');
    assert.equal(again.result, 'Succeeded', again.stdout);
    assert.match(again.stdout, /data data:local unchanged \(same content hash\)/);
  });

  it('runs them: 25 files in mini-batches of 3 across 4 worker processes with a retry; the sweep keeps the best trial', async () => {
    const componentId = [...emulator.state.assets.values()].find((a) => a.name === 'vocab_pipeline')?.resource.id as string;
    const status = await runPipelineJob(emulator, componentId, 'vocab-1');
    const record = job('vocab-1');
    assert.equal(status, 'Completed', JSON.stringify({ steps: record?.steps, errors: record?.errors }));
    const rowsDir = path.join(emulator.state.jobsRoot, 'vocab-1', 'outputs', 'count', 'rows');
    const rows = fs.readFileSync(path.join(rowsDir, 'parallel_run_step.txt'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 25);
    assert.deepEqual(rows.map((r) => r.split(' ')[1]).sort(), fs.readdirSync(path.join(dir, 'data')).sort());
    assert.ok(new Set(rows.map((r) => r.split(' ')[3])).size >= 2, 'mini-batches ran in several processes');
    const log = fs.readFileSync(path.join(emulator.state.jobsRoot, 'vocab-1', 'count', 'user_logs', 'std_log.txt'), 'utf8');
    assert.match(log, /mini-batch 2 attempt 1 failed: .*RuntimeError: a transient failure/s);
    const overview = fs.readFileSync(path.join(emulator.state.jobsRoot, 'vocab-1', 'count', 'user_logs', 'job_progress_overview.txt'), 'utf8');
    assert.match(overview, /^9 mini-batches, 0 failed, 0 failed items, 4 worker processes/);
    assert.equal(record?.steps.hello, 'Completed');
    const trials = Object.entries(record?.steps ?? {}).filter(([s]) => s.startsWith('tune/'));
    assert.deepEqual(
      trials.sort(),
      [0, 1, 2, 3].map((i) => [`tune/trial_${i}`, 'Completed']),
    );
    const sweepRun = emulator.state.mlflowRuns.get('vocab-1_tune');
    assert.equal(sweepRun?.tags['azureml.best_params'], '{"lr":0.2}');
    assert.equal(fs.readFileSync(path.join(emulator.state.jobsRoot, 'vocab-1', 'outputs', 'tune', 'model', 'lr.txt'), 'utf8'), '0.2');
  });

  it('fails a parallel job past its mini_batch_error_threshold, naming the threshold', async () => {
    const published = await publish('strict.yml', 'vocab_strict');
    assert.equal(published.result, 'Succeeded', published.stdout);
    assert.equal(await runPipelineJob(emulator, published.outputs.componentId, 'vocab-strict'), 'Failed');
    assert.match(job('vocab-strict')?.errors['vocab-strict_count'] ?? '', /1 mini-batches failed, more than mini_batch_error_threshold \(0\)/);
  });

  it('fails a step whose input is a data asset, saying the emulator cannot mount it; the rest of the graph is not run', async () => {
    write(
      'data-asset.yml',
      `type: pipeline\njobs:\n  a:\n    command: ls \${{inputs.d}}\n    environment: ${ENV}\n    inputs:\n      d:\n        type: uri_folder\n        path: azureml:train:1\n  b:\n    command: echo after\n    environment: ${ENV}\n    inputs:\n      x: \${{parent.jobs.a.outputs.o}}\n    outputs:\n      o:\n        type: uri_folder\n`,
    );
    const published = await publish('data-asset.yml', 'vocab_data_asset');
    assert.equal(published.result, 'Succeeded', published.stdout);
    assert.equal(await runPipelineJob(emulator, published.outputs.componentId, 'vocab-data-asset'), 'Failed');
    const record = job('vocab-data-asset');
    assert.deepEqual(record?.steps, { a: 'Failed', b: 'Canceled' });
    assert.match(record?.errors['vocab-data-asset_a'] ?? '', /^cannot run locally: input 'azureml:train:1' is a data asset/);
  });

  it('stores an automl job and fails it with "cannot run locally"', async () => {
    const published = await publish('automl.yml', 'vocab_automl');
    assert.equal(published.result, 'Succeeded', published.stdout);
    const spec = emulator.state.assets.get(published.outputs.componentId.toLowerCase())?.resource.properties.componentSpec;
    assert.equal(spec.jobs.auto.task, 'classification');
    assert.equal(await runPipelineJob(emulator, published.outputs.componentId, 'vocab-automl'), 'Failed');
    assert.match(job('vocab-automl')?.errors['vocab-automl_auto'] ?? '', /^cannot run locally: an automl job/);
  });

  it("runs a team registry's component by labels/latest (the newest version), and refuses a version the registry lacks", async () => {
    for (const version of ['1', '2']) {
      seedRegistryAsset(emulator, `azureml://registries/contoso-shared/components/greet/versions/${version}`, {
        componentSpec: {
          name: 'greet',
          version,
          type: 'command',
          command: `echo greetings v${version} > \${{outputs.out}}/greeting.txt`,
          environment: ENV,
          outputs: { out: { type: 'uri_folder' } },
        },
      });
      await new Promise((r) => setTimeout(r, 5));
    }
    write('registry.yml', 'type: pipeline\njobs:\n  greet:\n    component: azureml://registries/contoso-shared/components/greet/labels/latest\n');
    const published = await publish('registry.yml', 'vocab_registry');
    assert.equal(published.result, 'Succeeded', published.stdout);
    assert.match(published.stdout, /component greet:latest referenced \(resolved by the service\)/);
    assert.equal(await runPipelineJob(emulator, published.outputs.componentId, 'vocab-registry'), 'Completed');
    assert.equal(fs.readFileSync(path.join(emulator.state.jobsRoot, 'vocab-registry', 'outputs', 'greet', 'out', 'greeting.txt'), 'utf8'), 'greetings v2\n');
    write('registry-missing.yml', 'type: pipeline\njobs:\n  greet:\n    component: azureml://registries/contoso-shared/components/greet/versions/3\n');
    const missing = await publish('registry-missing.yml', 'vocab_registry_missing');
    assert.equal(missing.result, 'Failed');
    assert.match(missing.message ?? '', /registry 'contoso-shared' has no components asset 'greet' with version '3'/);
  });

  it('refuses an environment the azureml registry does not have, with the service error, and registers nothing', async () => {
    const before = emulator.state.assets.size;
    const run = await publish('unknown-env.yml', 'vocab_unknown');
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /registry 'azureml' has no environments asset 'sklearn-0\.1' with label 'latest'/);
    assert.equal(emulator.state.assets.size, before);
  });
});

describe("Microsoft's example pipelines publish as written", function () {
  this.timeout(120_000);
  let emulator: Emulator;
  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());
  const spec = (id: string) => emulator.state.assets.get(id.replace(/^azureml:/, '').toLowerCase())?.resource.properties.componentSpec;

  const checks: Record<string, { types: Record<string, string>; check: (pipeline: Record<string, any>, run: BundleRun) => void }> = {
    sweep: {
      types: { sweep_step: 'sweep', predict_step: 'command' },
      check: (p) => {
        assert.deepEqual(p.jobs.sweep_step.search_space.kernel, { type: 'choice', values: ['rbf', 'linear', 'poly'] });
        assert.equal(p.jobs.sweep_step.inputs.data.uri, 'wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv');
        assert.equal(spec(p.jobs.sweep_step.componentId).environment, 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest');
      },
    },
    'parallel-oj-sales': {
      types: { partition_job: 'command', parallel_train: 'parallel' },
      check: (p) => {
        const parallel = spec(p.jobs.parallel_train.componentId);
        assert.deepEqual(parallel.partition_keys, ['Store', 'Brand']);
        assert.deepEqual(p.jobs.parallel_train.environment_variables, { AZUREML_PARALLEL_EXAMPLE: '1a_yaml' });
        assert.equal(parallel.task.entry_script, 'parallel_train.py');
        assert.match(parallel.task.code, /^azureml:\/subscriptions\/.*\/codes\/code-[0-9a-f]+\/versions\/1$/);
        assert.match(p.jobs.partition_job.inputs.data_source.uri, /LocalUpload\/[0-9a-f]{32}\/oj_sales_data\.csv$/);
      },
    },
    'nyc-taxi': {
      types: { prep_job: 'command', transform_job: 'command', train_job: 'command', predict_job: 'command', score_job: 'command' },
      check: (p) => {
        assert.deepEqual(p.settings, { default_datastore: 'azureml:workspaceblobstore', continue_on_step_failure: false, default_compute: 'cpu-cluster' });
        assert.match(p.jobs.prep_job.inputs.raw_data.uri, /LocalUpload\/[0-9a-f]{32}\/data\/$/);
        assert.deepEqual(p.jobs.transform_job.outputs.transformed_data, { job_output_type: 'uri_folder' });
        assert.equal(spec(p.jobs.train_job.componentId).environment, 'azureml://registries/azureml/environments/sklearn-1.0/labels/latest');
      },
    },
    'tf-hello': {
      types: { tf_job: 'command' },
      check: (p, run) => {
        assert.deepEqual(p.jobs.tf_job.distribution, { distribution_type: 'TensorFlow', worker_count: 2 });
        assert.deepEqual(p.jobs.tf_job.resources, { instance_count: 2 });
        const component = spec(p.jobs.tf_job.componentId);
        assert.match(component.environment, /\/environments\/AzureML-tensorflow-2\.4-ubuntu18\.04-py37-cuda11-gpu\/versions\/14$/);
        assert.equal(component.compute, undefined);
        assert.match(run.stdout, /component\.yml:9: key 'compute': is not part of a component and is not sent/);
      },
    },
    spark: {
      types: { spark_job: 'spark' },
      check: (p) => {
        assert.deepEqual(p.jobs.spark_job.resources, { instance_type: 'standard_e8s_v3', runtime_version: '3.2' });
        assert.equal(p.jobs.spark_job.outputs.wrangled_data.uri, 'azureml://datastores/workspaceblobstore/paths/data/wrangled/');
        const component = spec(p.jobs.spark_job.componentId);
        assert.deepEqual(component.entry, { file: 'titanic.py' });
        assert.equal(component.conf['spark.executor.memory'], '2g');
      },
    },
  };

  for (const [example, { types, check }] of Object.entries(checks)) {
    it(`${example}: every node kept with its type and keys`, async () => {
      const run = await runBundle('PublishAmlPipeline', {
        inputs: {
          resourceGroupName: emulator.info.resourceGroup,
          workspaceName: emulator.info.workspace,
          pipelineFile: path.join(REPO_ROOT, 'test', 'fixtures', 'azureml-examples', example, 'pipeline.yml'),
          componentVersion: '1',
        },
        connection: emulatorConnection(emulator, 'spnKey'),
      });
      assert.equal(run.result, 'Succeeded', run.stdout);
      const pipeline = spec(run.outputs.componentId);
      assert.deepEqual(Object.fromEntries(Object.entries(pipeline.jobs as Record<string, { type: string }>).map(([k, v]) => [k, v.type])), types);
      check(pipeline, run);
    });
  }
});
