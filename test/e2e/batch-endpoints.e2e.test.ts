import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newTrafficLog, startTrustedEmulator } from '../../emulator/seed';
import type { Emulator } from '../../emulator/server';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { addModelVersion } from '../../emulator/resources/models';
import { inferenceRuntime } from '../../emulator/runtime/python-runtime';
import { prepareOnlineExamples } from '../support/online-examples';
import { SAMPLE, trainAndRegisterSample } from '../support/trained-model';
import { readTraffic } from '../support/traffic';

const BATCH = path.join(SAMPLE, 'batch');

/** The ridge model's predictions for the rows of `files`, computed here with the sample's own module. */
function expectedPredictions(modelJson: string, files: string[]): number[] {
  const code = `import csv, json, sys
sys.path.insert(0, ${JSON.stringify(path.join(SAMPLE, 'src'))})
import ridge
model = ridge.load(sys.argv[1])
out = []
for f in sys.argv[2:]:
    for r in csv.DictReader(open(f)):
        out.append(round(ridge.predict(model, [float(r[k]) for k in ridge.FEATURES]), 3))
print(json.dumps(out))`;
  const r = spawnSync('python3', ['-c', code, modelJson, ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[];
}

describe('DeployBatchEndpoint and SmokeTest (target batchEndpoint) bundles against the emulator', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let log: string;
  const ws = () => ({ resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace });
  const run = (task: string, inputs: Record<string, string>): Promise<BundleRun> =>
    runBundle(task, { inputs: { ...ws(), ...inputs }, connection: emulatorConnection(emulator, 'spnKey') });
  const endpoint = (name: string) => [...emulator.state.batchEndpoints.values()].find((e) => e.name === name);
  const writesTo = (from: number, fragment: string) =>
    readTraffic(log)
      .slice(from)
      .filter((l) => l.method !== 'GET' && l.url.includes(fragment));

  before(async () => {
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
    await trainAndRegisterSample(emulator, 'train-batch');
  });
  after(() => emulator.stop());

  it('a model deployment from a batch-deployment YAML as written: endpoint with Entra auth, settings in ARM names, default set; a re-run writes nothing', async () => {
    const first = await run('DeployBatchEndpoint', { deploymentConfigFile: path.join(BATCH, 'batch-deployment.yml') });
    assert.equal(first.result, 'Succeeded', first.stdout + first.stderr);
    assert.equal(first.outputs.endpointName, 'diabetes-batch');
    assert.equal(first.outputs.deploymentName, 'ridge');
    assert.match(first.outputs.invocationUri, /\/batch\/diabetes-batch\/jobs$/);
    const ep = endpoint('diabetes-batch');
    assert.equal(ep?.resource.properties.authMode, 'AADToken');
    assert.equal(ep?.resource.properties.defaults.deploymentName, 'ridge');
    const props = ep?.deployments.get('ridge')?.properties;
    assert.deepEqual(
      {
        miniBatchSize: props.miniBatchSize,
        maxConcurrencyPerInstance: props.maxConcurrencyPerInstance,
        outputAction: props.outputAction,
        outputFileName: props.outputFileName,
        retrySettings: props.retrySettings,
        errorThreshold: props.errorThreshold,
        loggingLevel: props.loggingLevel,
        instanceCount: props.resources.instanceCount,
        scoringScript: props.codeConfiguration.scoringScript,
      },
      {
        miniBatchSize: 1,
        maxConcurrencyPerInstance: 2,
        outputAction: 'AppendRow',
        outputFileName: 'predictions.csv',
        retrySettings: { maxRetries: 2, timeout: 'PT60S' },
        errorThreshold: -1,
        loggingLevel: 'Info',
        instanceCount: 1,
        scoringScript: 'batch_score.py',
      },
    );
    assert.match(props.compute, /\/computes\/cpu-cluster$/);
    assert.match(props.model.assetId, /\/models\/diabetes\/versions\/1$/);
    const summary = first.attachments.map((a) => a.content).join('\n');
    assert.match(summary, /\| mini_batch_size|miniBatchSize=1/);
    assert.match(summary, /\| model \| batch-deployment\.yml:7 \|/);

    const mark = readTraffic(log).length;
    const again = await run('DeployBatchEndpoint', { deploymentConfigFile: path.join(BATCH, 'batch-deployment.yml') });
    assert.equal(again.result, 'Succeeded', again.stdout);
    assert.match(again.stdout, /already runs model diabetes v1 with these settings: not updated/);
    assert.deepEqual(writesTo(mark, '/batchEndpoints/'), []);
  });

  it('SmokeTest uploads the input folder, invokes with an Entra token for Azure ML, waits for the job and checks the rows it wrote', async () => {
    const junitFile = path.join(emulator.state.jobsRoot, '..', 'batch-smoke.xml');
    const smoke = await run('SmokeTest', {
      target: 'batchEndpoint',
      endpointName: 'diabetes-batch',
      batchInput: path.join(BATCH, 'inputs'),
      junitFile,
      expectedRowCount: '9',
      assertions: '$.rows[0][0] == "part-1.csv"\n$.rows[8][0] == "part-2.csv"\n$.rowCount == 9',
    });
    assert.equal(smoke.result, 'Succeeded', smoke.stdout + smoke.stderr);
    assert.match(smoke.outputs.jobName, /^batchjob-/);
    assert.match(smoke.outputs.outputUri, new RegExp(`^azureml://datastores/workspaceblobstore/paths/azureml/${smoke.outputs.jobName}/score/predictions.csv$`));
    assert.match(smoke.stdout, /PASS 9 rows/);
    const junit = fs.readFileSync(junitFile, 'utf8');
    assert.match(junit, /<testsuite name="SmokeTest batch endpoint &apos;diabetes-batch&apos;" tests="5" failures="0"/);
    assert.ok(!junit.includes('latencyP50Ms'), 'a batch job has no request latencies');
    // The rows are the model's real predictions for the uploaded files, file by file, as append_row wrote them.
    const blobPath = smoke.outputs.outputUri.replace('azureml://datastores/workspaceblobstore/paths/', '');
    const written = String(emulator.state.blobs.get(blobPath)).trim().split('\n');
    const modelDir = emulator.state.jobs.get([...emulator.state.jobs.keys()].find((k) => k.endsWith('/jobs/train-batch')) as string)?.outputs.model as string;
    const files = ['part-1.csv', 'part-2.csv'].map((f) => path.join(BATCH, 'inputs', f));
    const expected = expectedPredictions(path.join(modelDir, 'model.json'), files);
    assert.deepEqual(
      written.map((l) => Number(l.split(' ')[2])),
      expected,
    );
    const invoke = readTraffic(log).find((l) => l.method === 'POST' && l.url.endsWith('/batch/diabetes-batch/jobs'));
    assert.equal(invoke?.status, 200);
    assert.equal(
      (invoke?.requestBody as { properties: { InputData: Record<string, { JobInputType: string }> } }).properties.InputData.input_data.JobInputType,
      'UriFolder',
    );
  });

  it('a failing assertion on the output fails the smoke test and names the check', async () => {
    const smoke = await run('SmokeTest', {
      target: 'batchEndpoint',
      endpointName: 'diabetes-batch',
      batchInput: path.join(BATCH, 'inputs', 'part-2.csv'),
      expectedRowCount: '9',
    });
    assert.equal(smoke.result, 'Failed');
    assert.match(smoke.stdout, /FAIL 9 rows: got 4/);
  });

  it('a scoring script that raises fails the batch job; the smoke test reports the job as Failed', async () => {
    const code = fs.mkdtempSync(path.join(emulator.state.jobsRoot, '..', 'broken-'));
    fs.writeFileSync(path.join(code, 'score.py'), 'def init():\n    pass\n\ndef run(mini_batch):\n    raise ValueError("bad batch")\n');
    const deploy = await run('DeployBatchEndpoint', {
      endpointName: 'diabetes-batch',
      deploymentName: 'broken',
      computeName: 'cpu-cluster',
      modelName: 'diabetes',
      modelVersion: '1',
      environment: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
      codePath: code,
      scoringScript: 'score.py',
      maxRetries: '0',
      errorThreshold: '0',
    });
    assert.equal(deploy.result, 'Succeeded', deploy.stdout);
    assert.equal(endpoint('diabetes-batch')?.resource.properties.defaults.deploymentName, 'ridge', 'setDefault is false: the default stays');
    const smoke = await run('SmokeTest', {
      target: 'batchEndpoint',
      endpointName: 'diabetes-batch',
      deploymentName: 'broken',
      batchInput: path.join(BATCH, 'inputs'),
    });
    assert.equal(smoke.result, 'Failed');
    assert.match(smoke.stdout, /Batch job batchjob-\w+ ended Failed: \d+ items failed, more than error_threshold \(0\)/);
  });

  it('a deployment the service refuses removes the endpoint this run created, and nothing else', async () => {
    emulator.faults.add({ method: 'PUT', path: /\/batchEndpoints\/diabetes-doomed\/deployments\//, fault: { type: 'status', status: 400 }, times: 1 });
    const failed = await run('DeployBatchEndpoint', {
      endpointName: 'diabetes-doomed',
      deploymentName: 'ridge',
      computeName: 'cpu-cluster',
      modelName: 'diabetes',
      modelVersion: '1',
      environment: 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
      codePath: path.join(SAMPLE, 'src'),
      scoringScript: 'batch_score.py',
    });
    assert.equal(failed.result, 'Failed');
    assert.match(failed.stdout, /Removed the batch endpoint 'diabetes-doomed' this run created\./);
    assert.equal(endpoint('diabetes-doomed'), undefined);
    assert.ok(endpoint('diabetes-batch')?.deployments.has('ridge'), 'the other endpoint and its deployments are untouched');
  });

  it("Microsoft's MLflow batch deployment as written (no scoring script): Azure ML's MLflow driver scores each file, rows as row,prediction,file", async () => {
    // The example registers its model first (az ml model create); a scikit-learn MLflow model trained here stands in for it.
    const examples = prepareOnlineExamples();
    try {
      const model = path.join(examples.dir, 'mlflow', 'sklearn-diabetes', 'model');
      for (const f of fs.readdirSync(model)) emulator.state.blobs.set(`LocalUpload/heart/model/${f}`, fs.readFileSync(path.join(model, f)));
      addModelVersion(emulator.state, emulator.state.defaultWorkspace, 'heart-classifier-mlflow', '1', {
        modelUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/heart/model',
        modelType: 'MLFlowModel',
      });
      const yml = path.join(REPO_ROOT, 'test', 'fixtures', 'azureml-examples', 'batch', 'heart-classifier-mlflow', 'deployment-simple', 'deployment.yml');
      const deploy = await run('DeployBatchEndpoint', { deploymentConfigFile: yml, computeName: 'cpu-cluster' });
      assert.equal(deploy.result, 'Succeeded', deploy.stdout + deploy.stderr);
      assert.equal(endpoint('heart-classifier-batch')?.deployments.get('classifier-xgboost-mlflow')?.properties.codeConfiguration, undefined);
      const smoke = await run('SmokeTest', {
        target: 'batchEndpoint',
        endpointName: 'heart-classifier-batch',
        batchInput: path.join(BATCH, 'inputs'),
        expectedRowCount: '9',
        assertions: '$.rows[0][0] == 0\n$.rows[0][2] == "part-1.csv"\n$.rows[8][2] == "part-2.csv"',
      });
      assert.equal(smoke.result, 'Succeeded', smoke.stdout + smoke.stderr);
      const blobPath = smoke.outputs.outputUri.replace('azureml://datastores/workspaceblobstore/paths/', '');
      const served = String(emulator.state.blobs.get(blobPath))
        .trim()
        .split('\n')
        .map((l) => Number(l.split(',')[1]));
      const predict = `import pickle, sys, pandas as pd
m = pickle.load(open(sys.argv[1], "rb"))
cols = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
print(" ".join(str(v) for f in sys.argv[2:] for v in m.predict(pd.read_csv(f)[cols])))`;
      const files = ['part-1.csv', 'part-2.csv'].map((f) => path.join(BATCH, 'inputs', f));
      const expected = spawnSync(inferenceRuntime().python, ['-c', predict, path.join(model, 'model.pkl'), ...files], { encoding: 'utf8' });
      assert.deepEqual(
        served.map((v) => v.toFixed(6)),
        expected.stdout
          .trim()
          .split(' ')
          .map((v) => Number(v).toFixed(6)),
        expected.stderr,
      );
    } finally {
      examples.remove();
    }
  });

  it('a pipeline-component deployment fed by PublishAmlPipeline componentId runs the pipeline on invocation with its literal inputs', async () => {
    const published = await run('PublishAmlPipeline', {
      pipelineFile: path.join(SAMPLE, 'pipeline.yml'),
      componentName: 'diabetes_retrain',
      componentVersion: '1',
    });
    assert.equal(published.result, 'Succeeded', published.stdout);
    const deploy = await run('DeployBatchEndpoint', {
      endpointName: 'diabetes-retrain',
      deploymentName: 'train',
      componentId: published.outputs.componentId,
      computeName: 'cpu-cluster',
    });
    assert.equal(deploy.result, 'Succeeded', deploy.stdout + deploy.stderr);
    const props = endpoint('diabetes-retrain')?.deployments.get('train')?.properties;
    assert.equal(props.deploymentConfiguration.deploymentConfigurationType, 'PipelineComponent');
    assert.equal(props.deploymentConfiguration.componentId.assetId, published.outputs.componentId);
    const smoke = await run('SmokeTest', {
      target: 'batchEndpoint',
      endpointName: 'diabetes-retrain',
      batchLiterals: 'alpha=0.5',
      outputName: 'model',
      outputFile: 'model.json',
      assertions: '$.rows[0].alpha == 0.5\nlen($.rows[0].weights) == 10',
    });
    assert.equal(smoke.result, 'Succeeded', smoke.stdout + smoke.stderr);
    const job = [...emulator.state.jobs.values()].find((j) => j.name === smoke.outputs.jobName);
    assert.deepEqual(Object.keys(job?.steps ?? {}), ['prep', 'train', 'evaluate']);
  });
});
