import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { InputError } from '../../../shared/errors';
import { readBatchDeploymentFile } from '../src/batch-yaml';

const MICROSOFT = path.join(REPO_ROOT, 'test', 'fixtures', 'azureml-examples', 'batch');

describe("batch deployment YAML (Microsoft's cli/endpoints/batch examples, as written)", () => {
  let dir: string;
  /** A copy of Microsoft's file with empty stand-ins for the folders it names (model, code, conda file). */
  const withStandIns = (rel: string) => {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(MICROSOFT, rel), target);
    const folder = path.dirname(target);
    fs.mkdirSync(path.join(folder, 'model'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'model', 'model.pt'), 'weights');
    fs.mkdirSync(path.join(folder, 'code'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'code', 'batch_driver.py'), 'def init(): pass\ndef run(b): return []\n');
    fs.mkdirSync(path.join(folder, 'environment'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'environment', 'conda.yaml'), 'dependencies:\n- python=3.10\n');
    return target;
  };
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-yaml-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mnist torch (modelBatchDeployment, settings block): local model and code, inline environment, every run setting in ARM names', () => {
    const f = readBatchDeploymentFile(withStandIns('mnist-classifier/deployment-torch/deployment.yml'), 'deploymentConfigFile');
    assert.equal(f.type, 'model');
    assert.equal(f.name, 'mnist-torch-dpl');
    assert.equal(f.endpointName, 'mnist-batch');
    assert.equal(f.compute, 'batch-cluster');
    assert.deepEqual(f.model && f.model.kind === 'path' && [f.model.name, path.basename(f.model.path), f.model.local], [
      'mnist-classifier-torch',
      'model',
      true,
    ]);
    assert.equal(f.code?.scoringScript, 'batch_driver.py');
    assert.equal(f.environment?.kind === 'inline' && f.environment.image, 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest');
    assert.deepEqual(f.settings, {
      maxConcurrencyPerInstance: 2,
      miniBatchSize: 10,
      outputAction: 'AppendRow',
      outputFileName: 'predictions.csv',
      retrySettings: { maxRetries: 3, timeout: 'PT30S' },
      errorThreshold: -1,
      loggingLevel: 'Info',
      resources: { instanceCount: 1 },
    });
    assert.match(f.where.settings, /deployment\.yml:19$/);
  });

  it('heart classifier custom (batchDeployment, top-level run settings, no type): read as a model deployment with the same names', () => {
    const f = readBatchDeploymentFile(withStandIns('heart-classifier-mlflow/deployment-custom/deployment.yml'), 'deploymentConfigFile');
    assert.equal(f.type, 'model');
    assert.deepEqual(f.model, { kind: 'ref', ref: { kind: 'workspaceLatest', type: 'models', name: 'heart-classifier' } });
    assert.deepEqual(f.settings, {
      maxConcurrencyPerInstance: 2,
      miniBatchSize: 2,
      outputAction: 'AppendRow',
      outputFileName: 'predictions.csv',
      retrySettings: { maxRetries: 3, timeout: 'PT300S' },
      errorThreshold: -1,
      loggingLevel: 'Info',
      resources: { instanceCount: 2 },
    });
  });

  it('heart classifier MLflow (no code, no environment): a model reference and settings only', () => {
    const f = readBatchDeploymentFile(path.join(MICROSOFT, 'heart-classifier-mlflow/deployment-simple/deployment.yml'), 'deploymentConfigFile');
    assert.equal(f.code, undefined);
    assert.equal(f.environment, undefined);
    assert.deepEqual(f.model, { kind: 'ref', ref: { kind: 'workspaceLatest', type: 'models', name: 'heart-classifier-mlflow' } });
  });

  it('hello-batch (pipelineComponentBatchDeployment): the component reference and the job settings', () => {
    const f = readBatchDeploymentFile(path.join(MICROSOFT, 'hello-batch/deployment.yml'), 'deploymentConfigFile');
    assert.equal(f.type, 'pipeline');
    assert.deepEqual(f.component, { kind: 'workspaceLatest', type: 'components', name: 'hello_batch' });
    assert.deepEqual(f.jobSettings, { default_compute: 'batch-cluster' });
    assert.deepEqual(f.settings, {});
  });

  it('training-with-components names a local pipeline file: refused with the way to register it', () => {
    assert.throws(
      () => readBatchDeploymentFile(path.join(MICROSOFT, 'training-with-components/deployment-ordinal/deployment.yml'), 'deploymentConfigFile'),
      (e: unknown) =>
        e instanceof InputError &&
        /deployment\.yml:6: key 'component': 'pipeline\.yml' is a local file; register it with PublishAmlPipeline and pass its componentId/.test(e.message),
    );
  });

  it('sends what az ml sends for properties and resources.properties (nothing in the file is ignored)', () => {
    const file = path.join(dir, 'props.yml');
    fs.writeFileSync(file, 'model: azureml:m:1\nproperties:\n  owner: team-a\nresources:\n  instance_count: 2\n  properties:\n    nodeSelector: gpu\n');
    const f = readBatchDeploymentFile(file, 'deploymentConfigFile');
    assert.deepEqual(f.settings, { properties: { owner: 'team-a' }, resources: { instanceCount: 2, properties: { nodeSelector: 'gpu' } } });
  });

  it('refuses model keys in a pipeline deployment and an output action outside the schema, naming file:line', () => {
    const file = path.join(dir, 'mixed.yml');
    fs.writeFileSync(file, 'type: pipeline\ncomponent: azureml:x:1\nmini_batch_size: 3\n');
    assert.throws(() => readBatchDeploymentFile(file, 'deploymentConfigFile'), /mixed\.yml:3: key 'mini_batch_size': is a model-deployment key/);
    fs.writeFileSync(file, 'model: azureml:m:1\noutput_action: append\n');
    assert.throws(
      () => readBatchDeploymentFile(file, 'deploymentConfigFile'),
      /mixed\.yml:2: key 'output_action': 'append' is not allowed; allowed values: append_row, summary_only/,
    );
  });
});
