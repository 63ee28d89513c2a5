import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator, newTrafficLog } from '../../emulator/seed';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { DatastoreBlobs } from '../../shared/aml/datastore-blobs';
import { DataPlaneClient } from '../../shared/azure/data-plane';
import { systemClock } from '../../shared/clock';
import { resolveModelSpec } from '../../shared/deploy/model-registration';
import { emulatorClients } from '../support/arm';
import { prepareOnlineExamples, type OnlineExamples } from '../support/online-examples';
import { readTraffic } from '../support/traffic';

/** Microsoft's online-deployment examples (test/fixtures/azureml-examples/online), deployed as written. */
describe("DeployToAks with Azure ML's own deployment YAML (Microsoft's examples, as written)", function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let log: string;
  let examples: OnlineExamples;

  const ws = () => ({ resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace });
  const file = (rel: string) => path.join(examples.dir, rel);
  const deploy = (inputs: Record<string, string>): Promise<BundleRun> =>
    runBundle('DeployToAks', { inputs: { ...ws(), ...inputs }, connection: emulatorConnection(emulator, 'spnKey') });
  const smoke = (endpointName: string, payloadFile: string, assertions: string) =>
    runBundle('SmokeTest', {
      inputs: { ...ws(), target: 'onlineEndpoint', endpointName, payloadFile, assertions },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
  const endpoint = (name: string) => [...emulator.state.onlineEndpoints.values()].find((e) => e.name === name);
  const modelVersions = (name: string) => [...emulator.state.modelVersions.entries()].filter(([k]) => k.endsWith(`/models/${name}`)).flatMap(([, v]) => v);
  const writes = () => readTraffic(log).filter((l) => !['GET', 'HEAD'].includes(l.method) && !/\/oauth2\/|\/listKeys|\/listSecrets|\/token\?/.test(l.url));
  const near = (list: number[]) => list.map((v, i) => `$[${i}] > ${v - 0.001}\n$[${i}] < ${v + 0.001}`).join('\n');

  before(async () => {
    examples = prepareOnlineExamples();
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
  });
  after(async () => {
    await emulator.stop();
    examples.remove();
  });

  it('managed/sample: blue-deployment.yml with endpoint.yml and the sample request: model registered from its local path, environment from image + conda, scoring script serving real predictions', async () => {
    const run = await deploy({
      deploymentConfigFile: file('managed/sample/blue-deployment.yml'),
      endpointConfigFile: file('managed/sample/endpoint.yml'),
      smokeRequestFile: file('model-2/sample-request.json'),
    });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.equal(run.outputs.deploymentName, 'blue');
    assert.equal(run.outputs.endpointName, 'my-endpoint');
    assert.match(run.stdout, /Model my-endpoint-model v1: registered\./);
    const summary = run.attachments.map((a) => a.content).join('\n');
    assert.match(summary, /\| model \| blue-deployment\.yml:4 \|/);
    assert.match(summary, /\| instance_type \| blue-deployment\.yml:12 \|/);
    assert.match(summary, /\| endpoint my-endpoint \| endpoint\.yml:2 \|/);
    const props = endpoint('my-endpoint')!.deployments.get('blue')!.resource!.properties;
    assert.equal(props.instanceType, 'Standard_DS3_v2');
    const check = await smoke('my-endpoint', file('model-2/sample-request.json'), near(examples.expected.ridge));
    assert.equal(check.result, 'Succeeded', check.stdout);
  });

  it('a re-run of the same files changes nothing: the model is found by its content hash, not registered again', async () => {
    const before = writes().length;
    const run = await deploy({ deploymentConfigFile: file('managed/sample/blue-deployment.yml'), endpointConfigFile: file('managed/sample/endpoint.yml') });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /Model my-endpoint-model v1: unchanged, reused\./);
    assert.match(run.stdout, /already serves my-endpoint-model v1/);
    assert.equal(modelVersions('my-endpoint-model').length, 1);
    assert.deepEqual(
      writes()
        .slice(before)
        .map((l) => `${l.method} ${l.url}`),
      [],
    );
  });

  it('the curated-environment variants (sklearn-1.5 labels/latest, sklearn-1.1 versions/17): the file names blue, which serves, so each goes beside it', async () => {
    const curated = await deploy({
      deploymentConfigFile: file('managed/sample/blue-deployment-with-curated-env.yml'),
      smokeRequestFile: file('model-2/sample-request.json'),
    });
    assert.equal(curated.result, 'Succeeded', curated.stdout);
    assert.match(curated.stdout, /The deployment YAML names 'blue', which takes the traffic now: the new deployment is 'green'\./);
    assert.match(curated.stdout, /unchanged, reused/);
    assert.deepEqual([curated.outputs.deploymentName, curated.outputs.previousDeploymentName], ['green', 'blue']);
    // Now green serves, and the file's blue (idle) takes the pinned version.
    const pinned = await deploy({
      deploymentConfigFile: file('managed/sample/blue-deployment-azureml.yml'),
      smokeRequestFile: file('model-2/sample-request.json'),
    });
    assert.equal(pinned.result, 'Succeeded', pinned.stdout);
    assert.deepEqual([pinned.outputs.deploymentName, pinned.outputs.previousDeploymentName], ['blue', 'green']);
    const env = (d: string) => endpoint('my-endpoint')!.deployments.get(d)!.resource!.properties.environmentId;
    assert.equal(env('green'), 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest');
    assert.equal(env('blue'), 'azureml://registries/azureml/environments/sklearn-1.1/versions/17');
    const check = await smoke('my-endpoint', file('model-2/sample-request.json'), near(examples.expected.ridge));
    assert.equal(check.result, 'Succeeded', check.stdout);
  });

  it('kubernetes: kubernetes-endpoint.yml and kubernetes-blue-deployment.yml (resources, request and scale settings), the compute given by input over the file', async () => {
    const run = await deploy({
      deploymentConfigFile: file('kubernetes/kubernetes-blue-deployment.yml'),
      endpointConfigFile: file('kubernetes/kubernetes-endpoint.yml'),
      endpointName: 'k8s-endpoint',
      computeName: 'aks-prod',
      smokeRequestFile: file('model-2/sample-request.json'),
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const ep = endpoint('k8s-endpoint')!;
    assert.match(String((ep.resource.properties as { compute: string }).compute), /\/computes\/aks-prod$/);
    assert.equal((ep.resource.tags as Record<string, string>).tag1, 'endpoint-tag1-value');
    const d = ep.deployments.get('blue')!.resource!;
    assert.equal(d.properties.endpointComputeType, 'Kubernetes');
    assert.deepEqual(d.properties.containerResourceRequirements, {
      containerResourceRequests: { cpu: '0.1', memory: '0.1Gi' },
      containerResourceLimits: { cpu: '0.2', memory: '200Mi' },
    });
    assert.deepEqual(d.properties.requestSettings, { requestTimeout: 'PT3S', maxQueueWait: 'PT3S' });
    assert.deepEqual(d.properties.scaleSettings, { scaleType: 'Default' });
    assert.equal((d.tags as Record<string, string>).tag1, 'deployment-tag1-value');
    const summary = run.attachments.map((a) => a.content).join('\n');
    assert.match(summary, /\| endpoint k8s-endpoint \| input 'endpointName' \|/);
  });

  it('mlflow/sklearn-deployment.yaml: an MLflow model without a scoring script, served by the no-code MLflow server (input_data in, a JSON list out)', async () => {
    const run = await deploy({ deploymentConfigFile: file('mlflow/sklearn-deployment.yaml'), endpointName: 'mlflow-endpoint' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /Model mir-sample-sklearn-mlflow-model v1: registered\./);
    const d = endpoint('mlflow-endpoint')!.deployments.get('sklearn-deployment')!.resource!;
    assert.equal(d.properties.environmentId, undefined);
    assert.equal(d.properties.codeConfiguration, undefined);
    const check = await smoke('mlflow-endpoint', file('mlflow/sample-request-sklearn.json'), near(examples.expected.mlflow));
    assert.equal(check.result, 'Succeeded', check.stdout);
  });

  it("an MLflow pyfunc model with its own loader module, no script: _load_pyfunc serves MLflow's dataframe_split and dataframe_records requests", async () => {
    const model = path.join(examples.dir, 'pyfunc/model');
    fs.mkdirSync(path.join(model, 'code'), { recursive: true });
    fs.mkdirSync(path.join(model, 'data'), { recursive: true });
    fs.writeFileSync(
      path.join(model, 'MLmodel'),
      'flavors:\n  python_function:\n    loader_module: doubler\n    code: code\n    data: data\n    python_version: 3.11.2\nsignature:\n  inputs: \'[{"name": "x", "type": "double"}]\'\n',
    );
    fs.writeFileSync(path.join(model, 'data', 'factor.txt'), '2.5');
    fs.writeFileSync(
      path.join(model, 'code', 'doubler.py'),
      'import os\n\nclass Model:\n    def __init__(self, factor):\n        self.factor = factor\n\n    def predict(self, df):\n        return (df["x"] * self.factor).tolist()\n\ndef _load_pyfunc(path):\n    return Model(float(open(os.path.join(path, "factor.txt")).read()))\n',
    );
    const yml = path.join(examples.dir, 'pyfunc/deployment.yml');
    fs.writeFileSync(
      yml,
      'name: pyfunc\nendpoint_name: pyfunc-endpoint\nmodel:\n  path: model\n  type: mlflow_model\ninstance_type: Standard_DS2_v2\ninstance_count: 1\n',
    );
    const run = await deploy({ deploymentConfigFile: yml });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const split = path.join(examples.dir, 'pyfunc/split.json');
    fs.writeFileSync(split, JSON.stringify({ dataframe_split: { columns: ['x'], data: [[1], [4]] } }));
    const records = path.join(examples.dir, 'pyfunc/records.json');
    fs.writeFileSync(records, JSON.stringify({ dataframe_records: [{ x: 2 }] }));
    const a = await smoke('pyfunc-endpoint', split, '$.predictions[0] == 2.5\n$.predictions[1] == 10');
    assert.equal(a.result, 'Succeeded', a.stdout);
    const b = await smoke('pyfunc-endpoint', records, '$.predictions[0] == 5');
    assert.equal(b.result, 'Succeeded', b.stdout);
    const wrong = path.join(examples.dir, 'pyfunc/wrong.json');
    fs.writeFileSync(wrong, JSON.stringify({ input_data: { columns: ['y'], data: [[1]] } }));
    const c = await runBundle('SmokeTest', {
      inputs: {
        ...ws(),
        target: 'onlineEndpoint',
        endpointName: 'pyfunc-endpoint',
        payloadFile: wrong,
        expectedStatus: '400',
        assertions: '$.message contains "missing inputs"',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(c.result, 'Succeeded', c.stdout);
  });

  it("a scoring script importing a package the environment installs but the runtime lacks fails naming it; one the environment lacks too fails as Azure's container would", async () => {
    const code = path.join(examples.dir, 'missing/src');
    fs.mkdirSync(code, { recursive: true });
    fs.writeFileSync(
      path.join(code, 'score.py'),
      'from azure.identity import ManagedIdentityCredential\n\ndef init():\n    pass\n\ndef run(raw):\n    return []\n',
    );
    fs.writeFileSync(path.join(code, 'conda.yml'), 'dependencies:\n  - python=3.11\n  - pip:\n    - azure-identity==1.17\n');
    const yml = path.join(examples.dir, 'missing/deployment.yml');
    const base =
      'name: blue\nmodel:\n  path: ../model-1/model/\ncode_configuration:\n  code: src\n  scoring_script: score.py\nenvironment:\n  image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest\n';
    fs.writeFileSync(yml, `${base}  conda_file: src/conda.yml\n`);
    const listed = await deploy({ deploymentConfigFile: yml, endpointName: 'missing-endpoint' });
    assert.equal(listed.result, 'Failed');
    assert.match(
      listed.message ?? '',
      /cannot run locally: the scoring code imports 'azure', which the environment installs \('azure-identity'\) but the emulator's inference runtime/,
    );
    fs.writeFileSync(yml, base);
    const unlisted = await deploy({ deploymentConfigFile: yml, endpointName: 'missing-endpoint' });
    assert.match(
      unlisted.message ?? '',
      /ResourceNotReady: User container has crashed or terminated: ModuleNotFoundError: No module named 'azure' \(the environment does not install it\)/,
    );
    assert.equal(endpoint('missing-endpoint'), undefined);
  });

  it('custom-container/tfserving: the image is pulled, then the deployment fails "cannot run locally: needs the image\'s own server", and what the run created is removed', async () => {
    const run = await deploy({
      deploymentConfigFile: file('custom-container/tfserving/half-plus-two/tfserving-deployment.yml'),
      smokePayload: '{"instances": [1.0, 2.0]}',
    });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /cannot run locally: needs the image's own server \(docker\.io\/tensorflow\/serving:latest, serving on port 8501\)/);
    assert.match(run.stdout, /Removed the endpoint 'tfserving-endpoint' this run created\./);
    assert.equal(endpoint('tfserving-endpoint'), undefined);
  });

  it('mlflow/lightgbm-deployment.yaml: a flavour the runtime cannot load fails naming what it needs, and the endpoint this run made is removed', async () => {
    const run = await deploy({ deploymentConfigFile: file('mlflow/lightgbm-deployment.yaml'), endpointName: 'lightgbm-endpoint' });
    assert.equal(run.result, 'Failed');
    assert.match(
      run.message ?? '',
      /cannot run locally: the MLflow loader 'mlflow\.lightgbm' needs 'mlflow', which the emulator's inference runtime \(.*\) does not have/,
    );
    assert.match(run.stdout, /Last lines of the logs of deployment 'lightgbm-deployment'/);
    assert.equal(endpoint('lightgbm-endpoint'), undefined);
    assert.equal(modelVersions('mir-sample-lightgbm-mlflow-model').length, 1, 'the model stays registered (an asset, found again by a re-run)');
  });

  it('DeployToAci builds its model package from blue-deployment.yml, naming the settings a container group has no place for', async () => {
    const run = await runBundle('DeployToAci', {
      inputs: { ...ws(), deploymentConfigFile: file('managed/sample/blue-deployment.yml'), containerGroupName: 'blue-aci' },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /blue-deployment\.yml:12: key 'instance_type' has no Azure Container Instances equivalent/);
    const check = await runBundle('SmokeTest', {
      inputs: {
        ...ws(),
        target: 'containerGroup',
        containerGroupName: 'blue-aci',
        payloadFile: file('model-2/sample-request.json'),
        assertions: near(examples.expected.ridge),
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(check.result, 'Succeeded', check.stdout);
  });

  it('an inline environment with a Docker build context: the context is uploaded, the environment registered with it, and the script served', async () => {
    const dir = path.join(examples.dir, 'managed/sample/docker');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest\nRUN pip install joblib scikit-learn\n',
    );
    const yml = path.join(examples.dir, 'managed/sample/build-deployment.yml');
    const text = fs.readFileSync(file('managed/sample/blue-deployment.yml'), 'utf8');
    fs.writeFileSync(yml, text.replace(/environment: \n( {2}.*\n)+/, 'environment:\n  build:\n    path: docker\n'));
    const run = await deploy({ deploymentConfigFile: yml, endpointName: 'build-endpoint', smokeRequestFile: file('model-2/sample-request.json') });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const envId = String(endpoint('build-endpoint')!.deployments.get('blue')!.resource!.properties.environmentId);
    const env = emulator.state.assets.get(envId.toLowerCase())!.resource.properties as { build?: { contextUri: string; dockerfilePath: string } };
    assert.match(env.build?.contextUri ?? '', /\/LocalUpload\/[0-9a-f]{32}\/docker\/$/);
    assert.equal(env.build?.dockerfilePath, 'Dockerfile');
    const check = await smoke('build-endpoint', file('model-2/sample-request.json'), near(examples.expected.ridge));
    assert.equal(check.result, 'Succeeded', check.stdout);
  });

  it('a YAML the product cannot deploy stops at file:line:key with the allowed values, before anything is written', async () => {
    const before = writes().length;
    const bad = path.join(examples.dir, 'managed/sample/bad-deployment.yml');
    const cases: [string, RegExp][] = [
      [
        'egress_public_network_access: sometimes\n',
        /bad-deployment\.yml:14: key 'egress_public_network_access': 'sometimes' is not allowed; allowed values: enabled, disabled/,
      ],
      [
        'scale_settings:\n  type: target_utilization\n  max_instances: zero\n',
        /bad-deployment\.yml:16: key 'scale_settings\.max_instances': expected a whole number/,
      ],
      [
        'request_settings:\n  request_timeout_ms: 600000\n',
        /bad-deployment\.yml:15: key 'request_settings\.request_timeout_ms': 600000 ms is over the 180000 ms/,
      ],
      ['resources:\n  requests:\n    cpu: "1"\n', /bad-deployment\.yml:14: key 'resources': is a kubernetes online-deployment key; this deployment is managed/],
      [
        'liveness_probe:\n  initial_delay: 10\n  perod: 5\n',
        /bad-deployment\.yml:16: key 'liveness_probe\.perod': is not supported here; supported keys: initial_delay, period/,
      ],
      ['with_package: true\n', /bad-deployment\.yml:14: key 'with_package': is not supported here/],
    ];
    for (const [extra, expected] of cases) {
      fs.writeFileSync(bad, fs.readFileSync(file('managed/sample/blue-deployment.yml'), 'utf8') + extra);
      const run = await deploy({ deploymentConfigFile: bad, endpointName: 'never-created' });
      assert.equal(run.result, 'Failed', extra);
      assert.match(run.message ?? '', expected);
      assert.match(run.message ?? '', /^Input 'deploymentConfigFile': /);
    }
    assert.equal(writes().length, before, 'nothing was written');
    assert.equal(endpoint('never-created'), undefined);
  });

  it('managed/inference-schema: numpy and pandas scoring scripts typed by inference_schema (the model registered first, as the example does)', async () => {
    const { clients } = emulatorClients(emulator);
    const wsRef = { subscriptionId: emulator.info.subscriptionId, resourceGroup: emulator.info.resourceGroup, workspace: emulator.info.workspace };
    const storage = new DataPlaneClient(systemClock, () => undefined);
    const model = await resolveModelSpec(
      clients,
      wsRef,
      { kind: 'path', path: file('managed/inference-schema/models'), local: true, name: 'azureml-infschema', version: '1', type: 'custom_model' },
      'unused',
      () => DatastoreBlobs.open(clients, wsRef, 'workspaceblobstore', storage, () => undefined),
      {},
    );
    assert.equal(model.outcome, 'registered');
    const requests: Record<string, unknown> = {
      numpy: {
        iris: [
          [7.2, 3.2, 6.0, 1.8],
          [5.1, 3.5, 1.4, 0.2],
        ],
      },
      pandas: { iris: [{ sepal_length: 7.2, sepal_width: 3.2, petal_length: 6.0, petal_width: 1.8 }] },
    };
    for (const kind of ['numpy', 'pandas']) {
      const payload = path.join(examples.dir, `request-${kind}.json`);
      fs.writeFileSync(payload, JSON.stringify(requests[kind]));
      const run = await deploy({
        deploymentConfigFile: file(`managed/inference-schema/deployment-${kind}.yml`),
        endpointName: `infschema-${kind}`,
        smokeRequestFile: payload,
      });
      assert.equal(run.result, 'Succeeded', run.stdout);
      const check = await smoke(
        `infschema-${kind}`,
        payload,
        kind === 'numpy' ? '$.Category[0] == Virginica\n$.Category[1] == Setosa' : '$.Category[0] == Virginica',
      );
      assert.equal(check.result, 'Succeeded', check.stdout);
    }
  });
});
