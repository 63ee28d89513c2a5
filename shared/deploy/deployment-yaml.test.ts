import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../errors';
import { readDeploymentFile } from './deployment-yaml';
import { readEndpointFile } from './endpoint-yaml';

describe('deployment and endpoint YAML (az ml online-deployment / online-endpoint files)', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const refused = (text: string, expected: RegExp, type?: 'managed' | 'kubernetes') =>
    assert.throws(
      () => readDeploymentFile(write('d.yml', text), 'deploymentConfigFile', type),
      (e: unknown) => e instanceof InputError && expected.test(e.message),
    );

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployment-yaml-'));
    fs.mkdirSync(path.join(dir, 'model'));
    fs.writeFileSync(path.join(dir, 'model', 'model.pkl'), 'x');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'score.py'), 'def init(): pass\n');
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.mkdirSync(path.join(dir, 'docker'));
    fs.writeFileSync(path.join(dir, 'docker', 'Dockerfile'), 'FROM mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps every managed setting to its ARM property as az ml sends it', () => {
    const d = readDeploymentFile(
      write(
        'all.yml',
        [
          'name: blue',
          'endpoint_name: ep',
          'model:',
          '  local_path: model',
          'code_configuration:',
          '  code:',
          '    local_path: src',
          '  scoring_script: score.py',
          'environment:',
          '  build:',
          '    path: docker',
          '  inference_config:',
          '    liveness_route: {port: 5001, path: /}',
          '    readiness_route: {port: 5001, path: /}',
          '    scoring_route: {port: 5001, path: /score}',
          'instance_type: Standard_DS3_v2',
          'instance_count: 2',
          'app_insights_enabled: true',
          'egress_public_network_access: disabled',
          'model_mount_path: /var/mounted',
          'environment_variables: {A: 1}',
          'request_settings: {request_timeout_ms: 5000, max_concurrent_requests_per_instance: 2, max_queue_wait_ms: 500}',
          'liveness_probe: {initial_delay: 10, period: 5, timeout: 2, success_threshold: 1, failure_threshold: 30}',
          'startup_probe: {initial_delay: 0, period: 10}',
          'scale_settings: {type: target_utilization, min_instances: 1, max_instances: 4, polling_interval: 10, target_utilization_percentage: 60}',
          'data_collector:',
          '  sampling_rate: 0.5',
          '  rolling_rate: hour',
          '  collections:',
          '    model_inputs: {enabled: "True"}',
          '    model_outputs: {enabled: "False"}',
          '  request_logging: {capture_headers: [x-ms-id]}',
          'tags: {team: ml}',
          'description: d',
        ].join('\n'),
      ),
      'deploymentConfigFile',
    );
    assert.deepEqual(d.settings, {
      instanceType: 'Standard_DS3_v2',
      appInsightsEnabled: true,
      egressPublicNetworkAccess: 'Disabled',
      modelMountPath: '/var/mounted',
      environmentVariables: { A: '1' },
      requestSettings: { requestTimeout: 'PT5S', maxConcurrentRequestsPerInstance: 2, maxQueueWait: 'PT0.5S' },
      livenessProbe: { initialDelay: 'PT10S', period: 'PT5S', timeout: 'PT2S', successThreshold: 1, failureThreshold: 30 },
      startupProbe: { initialDelay: 'PT0S', period: 'PT10S' },
      scaleSettings: { scaleType: 'TargetUtilization', minInstances: 1, maxInstances: 4, targetUtilizationPercentage: 60, pollingInterval: 'PT10S' },
      dataCollector: {
        collections: {
          model_inputs: { dataCollectionMode: 'Enabled', samplingRate: 0.5 },
          model_outputs: { dataCollectionMode: 'Disabled', samplingRate: 0.5 },
        },
        rollingRate: 'Hour',
        requestLogging: { captureHeaders: ['x-ms-id'] },
      },
      description: 'd',
    });
    assert.equal(d.instanceCount, 2);
    assert.deepEqual(d.tags, { team: 'ml' });
    assert.equal(d.model?.kind === 'path' && d.model.path, path.join(dir, 'model'));
    assert.deepEqual(d.code, { dir: path.join(dir, 'src'), scoringScript: 'score.py' });
    assert.ok(d.environment?.kind === 'inline' && d.environment.build?.dir === path.join(dir, 'docker'));
    assert.deepEqual(d.environment?.kind === 'inline' && d.environment.inferenceConfig?.scoringRoute, { port: 5001, path: '/score' });
    assert.equal(d.where.instance_type, 'all.yml:16');
  });

  it('reads references in every form az ml takes, and refuses a reference to the wrong asset type', () => {
    const d = readDeploymentFile(
      write('refs.yml', 'model: azureml://registries/shared/models/churn/versions/3\nenvironment: azureml:sklearn-env@latest\n'),
      'deploymentConfigFile',
    );
    assert.deepEqual(d.model, {
      kind: 'ref',
      ref: { kind: 'registry', type: 'models', registry: 'shared', name: 'churn', version: '3', uri: 'azureml://registries/shared/models/churn/versions/3' },
    });
    assert.deepEqual(d.environment, { kind: 'ref', ref: { kind: 'workspaceLatest', type: 'environments', name: 'sklearn-env' } });
    refused('model: azureml://registries/shared/environments/e/versions/1\n', /d\.yml:1: key 'model': .* names registry environments, not models/);
  });

  it('the deprecated private_network_connection is sent as egress, with a warning at its line', () => {
    const d = readDeploymentFile(write('p.yml', 'name: blue\nprivate_network_connection: true\n'), 'deploymentConfigFile');
    assert.equal(d.settings.egressPublicNetworkAccess, 'Disabled');
    assert.match(d.warnings.join('\n'), /p\.yml:2: key 'private_network_connection': is deprecated/);
  });

  it('refuses what az ml refuses, at file:line:key with the allowed values', () => {
    refused(
      'model:\n  path: model\n  type: onnx_model\n',
      /d\.yml:3: key 'model\.type': 'onnx_model' is not allowed; allowed values: custom_model, mlflow_model, triton_model/,
    );
    refused('model:\n  path: model\n  type: mlflow_model\n', /d\.yml:2: key 'model\.path': an mlflow_model path must be a folder holding an MLmodel file/);
    refused('model:\n  path: empty\n', /d\.yml:2: key 'model\.path': the folder 'empty' is empty: a model needs its files/);
    refused('model:\n  path: no-such-folder\n', /d\.yml:2: key 'model\.path': the local path 'no-such-folder' does not exist/);
    refused(
      'code_configuration:\n  code: src\n  scoring_script: missing.py\n',
      /d\.yml:3: key 'code_configuration\.scoring_script': 'missing\.py' is not in the code folder 'src'/,
    );
    refused('type: serverless\n', /d\.yml:1: key 'type': 'serverless' is not allowed; allowed values: managed, kubernetes/);
    refused('type: kubernetes\n', /this is a kubernetes deployment, but computeType is 'managed'/, 'managed');
    refused(
      'data_collector:\n  collections: {model_inputs: {enabled: maybe}}\n',
      /key 'data_collector\.collections\.model_inputs\.enabled': 'maybe' is not allowed; allowed values: true, false/,
    );
    refused(
      'egress_public_network_access: enabled\n',
      /d\.yml:1: key 'egress_public_network_access': is a managed online-deployment key; this deployment is kubernetes/,
      'kubernetes',
    );
    refused('resources:\n  requests: {memory: lots}\n', /key 'resources\.requests\.memory': 'lots' is not a Kubernetes quantity/, 'kubernetes');
    refused('environment:\n  conda_file: conda.yml\n', /d\.yml:2: key 'environment': an inline environment needs an image or a build context/);
    refused('name: blue\nname: green\n', /not valid YAML: Map keys must be unique/);
  });

  it('endpoint YAML: auth, compute, identity and network access; traffic is left to the task, with a warning', () => {
    const e = readEndpointFile(
      write(
        'e.yml',
        'name: ep\nauth_mode: aad_token\npublic_network_access: disabled\nidentity:\n  type: user_assigned\n  user_assigned_identities:\n    - resource_id: /subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u\ntraffic:\n  blue: 100\n',
      ),
      'endpointConfigFile',
    );
    assert.equal(e.authMode, 'aad_token');
    assert.equal(e.publicNetworkAccess, 'Disabled');
    assert.deepEqual(e.identity, {
      type: 'UserAssigned',
      userAssignedIdentities: { '/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u': {} },
    });
    assert.match(e.warnings[0], /e\.yml:9: key 'traffic': is not applied: the task moves traffic by its trafficStrategy/);
    assert.throws(
      () => readEndpointFile(write('k.yml', 'name: ep\ncompute: azureml:k8s\nauth_mode: aad_token\n'), 'endpointConfigFile'),
      /k\.yml:3: key 'auth_mode': Kubernetes online endpoints take key or aml_token/,
    );
    assert.throws(
      () => readEndpointFile(write('a.yml', 'auth_mode: password\n'), 'endpointConfigFile'),
      /'password' is not allowed; allowed values: key, aml_token, aad_token/,
    );
  });
});
