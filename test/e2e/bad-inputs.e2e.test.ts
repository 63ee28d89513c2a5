import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';
import type { InputOf, TaskName } from '../../tasks/contracts.generated';
import { AGENT_TASKS, SCENARIOS, ScenarioBed, type AgentTask } from '../support/scenarios';
import { SAMPLE } from '../support/trained-model';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
/** Microsoft's online examples; their model folders are made by the tests, so here `model-1/model/` does not exist. */
const ONLINE = path.join(FIXTURES, 'azureml-examples', 'online');
const BATCH_INPUT = path.join(SAMPLE, 'batch', 'inputs');

/**
 * [task, what is wrong, inputs over the valid scenario's (undefined removes one), the input the error must name,
 * more of the message]. Typed by the tasks' generated contracts: an input renamed in a task.json fails here too.
 */
type CaseOf<T extends TaskName> = [T, string, Partial<Record<InputOf<T>, string | undefined>>, InputOf<T>, RegExp?];
type Case = { [T in AgentTask]: CaseOf<T> }[AgentTask];

const CASES: Case[] = [
  // Every task: the connection and the workspace.
  ...AGENT_TASKS.flatMap((task): Case[] => [
    [task, 'a nonexistent workspace', { workspaceName: 'mlw-nope' }, 'workspaceName', /mlw-nope/],
    [task, 'a nonexistent resource group', { resourceGroupName: 'rg-nope' }, 'resourceGroupName', /rg-nope/],
  ]),
  ['PublishAmlPipeline', 'no pipeline file', { pipelineFile: undefined }, 'pipelineFile', /required/],
  ['PublishAmlPipeline', 'a pipeline file that does not exist', { pipelineFile: '/nowhere/pipeline.yml' }, 'pipelineFile', /does not exist/],
  ['PublishAmlPipeline', 'malformed pipeline YAML', { pipelineFile: path.join(FIXTURES, 'malformed-pipeline.yml') }, 'pipelineFile'],
  [
    'PublishAmlPipeline',
    'a missing component file',
    { pipelineFile: path.join(FIXTURES, 'missing-component-pipeline.yml') },
    'pipelineFile',
    /does-not-exist\.yml/,
  ],
  ['PublishAmlPipeline', 'a bad component name', { componentName: 'Bad Name!' }, 'componentName'],
  ['PublishAmlPipeline', 'a malformed tag', { tags: 'novalue' }, 'tags', /key=value/],
  ['PublishAmlPipeline', 'a non-boolean dryRun', { dryRun: 'yes please' }, 'dryRun', /true, false/],
  ['PublishAmlPipeline', 'a non-boolean archivePreviousVersions', { archivePreviousVersions: 'maybe' }, 'archivePreviousVersions', /true, false/],
  ['EvaluateAndRegister', 'no model name', { modelName: undefined }, 'modelName', /required/],
  ['EvaluateAndRegister', 'no rules', { rules: undefined }, 'rules'],
  ['EvaluateAndRegister', 'a rule with a bad direction', { rules: 'mse sideways' }, 'rules', /line 1/],
  ['EvaluateAndRegister', 'a rule with a non-numeric threshold', { rules: 'r2 higher threshold=abc' }, 'rules', /line 1/],
  ['EvaluateAndRegister', 'an unknown champion', { champion: 'best' }, 'champion'],
  ['EvaluateAndRegister', 'an unknown onNotBetter', { onNotBetter: 'ignore' }, 'onNotBetter', /skip, fail, registerOnly/],
  ['EvaluateAndRegister', 'a promote tag without a value', { promoteTag: 'lifecycle' }, 'promoteTag', /key=value/],
  ['EvaluateAndRegister', 'a job that does not exist', { jobName: 'no-such-job' }, 'jobName', /no-such-job/],
  ['EvaluateAndRegister', 'a model output the job does not have', { modelOutputName: 'weights' }, 'modelOutputName', /weights/],
  ['EvaluateAndRegister', 'malformed tags', { tags: '=x' }, 'tags', /key=value/],
  ['DeployToAci', 'no model name', { modelName: undefined }, 'modelName', /required/],
  ['DeployToAci', 'a model version that does not exist', { modelVersion: '99' }, 'modelVersion', /99/],
  ['DeployToAci', 'an invalid container group name', { containerGroupName: 'Bad_Name' }, 'containerGroupName'],
  ['DeployToAci', 'an unknown image source', { imageSource: 'docker' }, 'imageSource', /modelPackage, image/],
  ['DeployToAci', 'a malformed environment reference', { environment: 'azureml:nameonly' }, 'environment'],
  ['DeployToAci', 'a code folder that does not exist', { codePath: '/nowhere/src' }, 'codePath', /does not exist/],
  ['DeployToAci', 'a scoring script not in the folder', { scoringScript: 'nope.py' }, 'scoringScript'],
  ['DeployToAci', 'zero CPU', { cpu: '0' }, 'cpu', /greater than 0/],
  ['DeployToAci', 'non-numeric memory', { memoryGb: 'lots' }, 'memoryGb'],
  ['DeployToAci', 'a malformed environment variable', { environmentVariables: 'NOVALUE' }, 'environmentVariables', /key=value/],
  [
    'DeployToAci',
    'a registry identity that is not a resource id',
    { registryServer: 'contoso.azurecr.io', registryIdentity: 'acr-pull' },
    'registryIdentity',
    /userAssignedIdentities/,
  ],
  ['DeployToAci', 'an upper-case DNS label', { dnsNameLabel: 'UPPER' }, 'dnsNameLabel'],
  ['DeployToAci', 'a zero timeout', { timeoutMinutes: '0' }, 'timeoutMinutes', /between 1 and 120/],
  ['DeployToAks', 'a too short endpoint name', { endpointName: 'x' }, 'endpointName', /3-32/],
  ['DeployToAks', 'a bad deployment name', { deploymentName: '-bad' }, 'deploymentName'],
  ['DeployToAks', 'an unknown compute type', { computeType: 'aci' }, 'computeType', /kubernetes, managed/],
  ['DeployToAks', 'a compute that does not exist', { computeName: 'nope' }, 'computeName', /does not exist/],
  ['DeployToAks', 'a compute that is not Kubernetes', { computeName: 'cpu-cluster' }, 'computeName', /not Kubernetes/],
  ['DeployToAks', 'canary steps not ending at 100', { canarySteps: '10,50' }, 'canarySteps', /ending at 100/],
  ['DeployToAks', 'an unknown traffic strategy', { trafficStrategy: 'bluegreen' }, 'trafficStrategy', /replace, canary, none/],
  ['DeployToAks', 'a smoke payload that is not JSON', { smokePayload: '{oops' }, 'smokePayload', /not valid JSON/],
  ['DeployToAks', 'a deployment config file that does not exist', { deploymentConfigFile: '/nowhere/deploy.yml' }, 'deploymentConfigFile', /does not exist/],
  ['DeployToAks', 'an unknown auth mode', { authMode: 'token' }, 'authMode', /key, aml_token, aad_token/],
  [
    'DeployToAks',
    'an endpoint YAML given as the deployment YAML',
    { deploymentConfigFile: path.join(ONLINE, 'managed/sample/endpoint.yml') },
    'deploymentConfigFile',
    /endpoint\.yml:3: key 'auth_mode': is not supported here; supported keys: \$schema, name, endpoint_name/,
  ],
  [
    'DeployToAks',
    'a deployment YAML given as the endpoint YAML',
    { endpointConfigFile: path.join(ONLINE, 'managed/sample/blue-deployment.yml') },
    'endpointConfigFile',
    /blue-deployment\.yml:3: key 'endpoint_name': is not supported here/,
  ],
  [
    'DeployToAks',
    'a smoke request file that is not JSON',
    { smokeRequestFile: path.join(ONLINE, 'managed/sample/endpoint.yml') },
    'smokeRequestFile',
    /not valid JSON/,
  ],
  [
    'DeployToAci',
    'a deployment YAML whose model path does not exist',
    { deploymentConfigFile: path.join(ONLINE, 'managed/sample/blue-deployment.yml') },
    'deploymentConfigFile',
    /blue-deployment\.yml:5: key 'model\.path': the local path '\.\.\/\.\.\/model-1\/model\/' does not exist/,
  ],
  ['DeployToAks', 'zero instances', { instanceCount: '0' }, 'instanceCount', /between 1 and 100/],
  ['DeployToAks', 'a model that does not exist', { modelName: 'no-such-model' }, 'modelName', /no-such-model/],
  ['SmokeTest', 'an unknown target', { target: 'vm' }, 'target', /onlineEndpoint, containerGroup, url, batchEndpoint/],
  ['SmokeTest', 'both payload and payloadFile', { payloadFile: path.join(SAMPLE, 'smoke-request.json') }, 'payload', /not both/],
  ['SmokeTest', 'no payload', { payload: undefined }, 'payload', /request body is required/],
  ['SmokeTest', 'a payload that is not JSON', { payload: '{"data": [' }, 'payload'],
  ['SmokeTest', 'a malformed assertion', { assertions: 'predictions == 1' }, 'assertions', /line 1/],
  ['SmokeTest', 'a non-numeric expected status', { expectedStatus: 'ok' }, 'expectedStatus'],
  ['SmokeTest', 'zero requests', { requestCount: '0' }, 'requestCount'],
  ['SmokeTest', 'a negative latency budget', { maxLatencyMs: '-1' }, 'maxLatencyMs'],
  ['SmokeTest', 'an unknown auth mode', { authMode: 'magic' }, 'authMode'],
  ['SmokeTest', 'a scoring URI that is not a URL', { target: 'url', scoringUri: 'not a url', endpointName: undefined }, 'scoringUri'],
  ['SmokeTest', 'an endpoint that does not exist', { endpointName: 'no-such-endpoint' }, 'endpointName', /no-such-endpoint/],
  ['SmokeTest', 'a batch target without an input', { target: 'batchEndpoint', payload: undefined }, 'batchInput', /required/],
  [
    'SmokeTest',
    'a request body for a batch target',
    { target: 'batchEndpoint', batchInput: BATCH_INPUT },
    'payload',
    /does not apply to target 'batchEndpoint'/,
  ],
  [
    'SmokeTest',
    'a batch input that does not exist',
    { target: 'batchEndpoint', payload: undefined, batchInput: '/nowhere/rows.csv' },
    'batchInput',
    /does not exist/,
  ],
  [
    'SmokeTest',
    'key auth for a batch endpoint',
    { target: 'batchEndpoint', payload: undefined, authMode: 'key', batchInput: BATCH_INPUT },
    'authMode',
    /Entra tokens only/,
  ],
  [
    'SmokeTest',
    'a batch endpoint that does not exist',
    { target: 'batchEndpoint', payload: undefined, endpointName: 'no-such-batch', batchInput: BATCH_INPUT },
    'endpointName',
    /no-such-batch/,
  ],
  ['SmokeTest', 'a malformed literal input', { target: 'batchEndpoint', payload: undefined, batchLiterals: 'alpha' }, 'batchLiterals', /key=value/],
  ['DeployBatchEndpoint', 'a too short endpoint name', { endpointName: 'b' }, 'endpointName', /3-32/],
  ['DeployBatchEndpoint', 'an unknown deployment type', { deploymentType: 'online' }, 'deploymentType', /model, pipelineComponent/],
  ['DeployBatchEndpoint', 'a compute that does not exist', { computeName: 'nope' }, 'computeName', /does not exist/],
  ['DeployBatchEndpoint', 'a Kubernetes compute for batch', { computeName: 'aks-prod' }, 'computeName', /not AmlCompute/],
  ['DeployBatchEndpoint', 'no compute', { computeName: undefined }, 'computeName', /required/],
  ['DeployBatchEndpoint', 'an unknown output action', { outputAction: 'append' }, 'outputAction', /append_row, summary_only/],
  ['DeployBatchEndpoint', 'a zero mini-batch size', { miniBatchSize: '0' }, 'miniBatchSize'],
  ['DeployBatchEndpoint', 'an error threshold below -1', { errorThreshold: '-2' }, 'errorThreshold'],
  ['DeployBatchEndpoint', 'an unknown logging level', { loggingLevel: 'verbose' }, 'loggingLevel', /info, warning, debug/],
  ['DeployBatchEndpoint', 'a model with a pipeline-component deployment', { deploymentType: 'pipelineComponent' }, 'modelName', /takes no model/],
  [
    'DeployBatchEndpoint',
    'a component id that is not one',
    { deploymentType: 'pipelineComponent', modelName: undefined, componentId: 'diabetes' },
    'componentId',
  ],
  ['DeployBatchEndpoint', 'a registry reference without a version', { modelName: 'azureml://registries/mlops-registry/models/diabetes' }, 'modelName'],
  [
    'DeployBatchEndpoint',
    'an online deployment YAML given as the batch deployment YAML',
    { deploymentConfigFile: path.join(ONLINE, 'managed/sample/blue-deployment.yml') },
    'deploymentConfigFile',
    /blue-deployment\.yml:\d+: key 'instance_type': is not supported here/,
  ],
  ['PromoteModel', 'no registry', { registryName: undefined }, 'registryName', /required/],
  ['PromoteModel', 'a registry that does not exist', { registryName: 'no-such-registry' }, 'registryName', /does not exist/],
  ['PromoteModel', 'an invalid destination version', { destinationVersion: '1 2' }, 'destinationVersion', /not a valid name/],
  ['PromoteModel', 'a model version that does not exist', { modelVersion: '99' }, 'modelVersion', /99/],
  ['PromoteModel', 'a target workspace that does not exist', { targetWorkspaceName: 'mlw-nope' }, 'targetWorkspaceName', /mlw-nope/],
  [
    'PromoteModel',
    'a target resource group without a workspace',
    { targetWorkspaceName: undefined, targetResourceGroupName: 'rg-mlops' },
    'targetWorkspaceName',
    /required/,
  ],
  ['GroupManyModels', 'an unknown target', { target: 'aks' }, 'target', /aci, kubernetes, managed/],
  ['GroupManyModels', 'a container size over 1000', { maxContainerSize: '5000' }, 'maxContainerSize', /between 1 and 1000/],
  ['GroupManyModels', 'an invalid name prefix', { servicePrefix: 'Many_Models' }, 'servicePrefix'],
  ['GroupManyModels', 'a malformed tag filter', { modelTagFilter: 'a=b=c' }, 'modelTagFilter'],
  ['GroupManyModels', 'a Kubernetes target without compute', { target: 'kubernetes' }, 'computeName', /required/],
  ['GroupManyModels', 'a Kubernetes compute that does not exist', { target: 'kubernetes', computeName: 'nope' }, 'computeName', /does not exist/],
  ['GroupManyModels', 'an invalid routing model name', { routingModelName: 'bad name' }, 'routingModelName'],
  ['GroupManyModels', 'a code folder that does not exist', { codePath: '/nowhere/src' }, 'codePath', /does not exist/],
  ['GroupManyModels', 'zero concurrency', { concurrency: '0' }, 'concurrency', /between 1 and 32/],
  ['GroupManyModels', 'a splitting tag named twice', { splittingTags: 'Brand,Brand' }, 'splittingTags', /twice/],
  ['GroupManyModels', 'a change threshold over 100 %', { largeChangeThreshold: '150' }, 'largeChangeThreshold', /between 0 and 100/],
  [
    'GroupManyModels',
    'a tag filter with a typo (matches no model)',
    { modelTagFilter: 'ModelTyp=many-models-diabetes' },
    'modelTagFilter',
    /matches none of the/,
  ],
  ['GroupManyModels', 'a splitting tag in the wrong case', { splittingTags: 'brand' }, 'splittingTags', /case-sensitive/],
];

describe('bad inputs: a clear error naming the input, and nothing written', function () {
  this.timeout(600_000);
  const bed = new ScenarioBed();
  before(() => bed.start());
  after(() => bed.stop());

  it(`has at least 60 cases across the tasks (${CASES.length})`, () => {
    assert.ok(CASES.length >= 60);
    assert.deepEqual([...new Set(CASES.map((c) => c[0]))].sort(), Object.keys(SCENARIOS).sort());
  });

  for (const [task, what, overrides, input, more] of CASES) {
    it(`${task}: ${what}`, async () => {
      const inputs: Record<string, string> = { ...SCENARIOS[task](`bad-${input.toLowerCase()}`) };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete inputs[k];
        else inputs[k] = v;
      }
      const from = bed.traffic().length;
      const run = await bed.run(task, inputs);
      assert.equal(run.result, 'Failed', run.stdout.slice(-1500));
      assert.match(run.message ?? '', new RegExp(`Input '${input}'`), run.message);
      if (more) assert.match(run.message ?? '', more);
      assert.deepEqual(
        bed.writesSince(from).map((t) => `${t.method} ${new URL(t.url).pathname}`),
        [],
        'nothing written',
      );
    });
  }

  it('a connection of an unsupported scheme is refused, naming the connection input', async () => {
    const conn = bed.connection();
    const from = bed.traffic().length;
    const run = await (
      await import('../../scripts/lib/run-bundle')
    ).runBundle('PublishAmlPipeline', {
      inputs: SCENARIOS.PublishAmlPipeline('scheme'),
      connection: { ...conn, endpoint: { ...conn.endpoint, scheme: 'UsernamePassword', auth: { username: 'u', password: 'p' } } },
    });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /Input 'azureSubscription'.*UsernamePassword/);
    assert.deepEqual(bed.writesSince(from), []);
  });

  it("a connection whose tenant is not the subscription's is refused as ARM refuses it, nothing written", async () => {
    const conn = bed.connection();
    const from = bed.traffic().length;
    const tenant = bed.emulator.state.otherTenantId;
    const run = await (
      await import('../../scripts/lib/run-bundle')
    ).runBundle('DeployToAks', {
      inputs: { resourceGroupName: bed.emulator.info.resourceGroup, workspaceName: bed.emulator.info.workspace, ...SCENARIOS.DeployToAks('tenant') },
      connection: { ...conn, endpoint: { ...conn.endpoint, auth: { ...conn.endpoint.auth, tenantid: tenant } } },
    });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /InvalidAuthenticationTokenTenant/);
    assert.match(run.message ?? '', new RegExp(`wrong issuer 'https://sts.windows.net/${tenant}/'`));
    assert.deepEqual(bed.writesSince(from), []);
  });

  it("a missing role assignment fails the deploy with ARM's AuthorizationFailed naming the action, and no endpoint is left behind", async () => {
    const s = bed.emulator.state;
    s.deniedActions.add('microsoft.machinelearningservices/workspaces/onlineendpoints/deployments/write');
    try {
      const run = await bed.run('DeployToAks', SCENARIOS.DeployToAks('denied'));
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /AuthorizationFailed/);
      assert.match(run.message ?? '', /Microsoft\.MachineLearningServices\/workspaces\/onlineEndpoints\/deployments\/write/);
      const left = [...s.onlineEndpoints.values()].filter((e) => e.name === 'aks-denied' && [...e.deployments.values()].some((d) => d.resource));
      assert.deepEqual(left, [], 'no deployment was created');
    } finally {
      s.deniedActions.clear();
    }
  });
});
