import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';
import { MANY_MODELS, ROW, SAMPLE, runPipelineJob, trainManyModels } from '../support/trained-model';

const IMAGE = 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest';

interface CliRun {
  code: number | null;
  out: string;
  /** Milliseconds from start to the first output, and to the end. */
  firstOutputMs: number;
  endMs: number;
}

/** `aml-tasks run` (the compiled runner), from a folder of its own, as a user starts it. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'out', 'scripts', 'local-run.js'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = Date.now();
  let firstOutputMs = -1;
  const take = (d: Buffer) => {
    if (firstOutputMs < 0) firstOutputMs = Date.now() - started;
    out += d.toString();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, firstOutputMs, endMs: Date.now() - started })));
}

describe('local task runner (aml-tasks run) against the emulator', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let dir: string;
  let info: string;

  const inputs = (name: string, values: Record<string, string>) => {
    const file = path.join(dir, `${name}.yml`);
    fs.writeFileSync(
      file,
      Object.entries(values)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join('\n'),
    );
    return file;
  };
  const run = (task: string, values: Record<string, string>) => cli(['run', task, '--inputs', inputs(task, values), '--emulator', info]);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    emulator = await startTrustedEmulator();
    info = path.join(dir, 'emulator.json');
    fs.writeFileSync(info, JSON.stringify({ ...emulator.info, caCertFile: process.env.EMULATOR_TLS_CERT }));
  });
  after(() => emulator.stop());

  it('runs every agent task as the agent does, showing its ##vso commands readably and no secret', async () => {
    const published = await run('PublishAmlPipeline', {
      pipelineFile: path.join(SAMPLE, 'pipeline.yml'),
      componentName: 'diabetes_pipeline',
      componentVersion: '1',
    });
    assert.equal(published.code, 0, published.out);
    assert.match(published.out, /\[output\] componentId = \/subscriptions\/.*\/components\/diabetes_pipeline\/versions\/1/);
    assert.match(published.out, /\[result\] Succeeded: Published diabetes_pipeline:1/);
    const componentId = /\[output\] componentId = (\S+)/.exec(published.out)![1];
    assert.equal(await runPipelineJob(emulator, componentId, 'cli-train'), 'Completed');

    const steps: [string, Record<string, string>, RegExp][] = [
      ['EvaluateAndRegister', { jobName: 'cli-train', modelName: 'diabetes', rules: 'mse lower' }, /\[output\] modelVersion = 1/],
      [
        'DeployToAci',
        { modelName: 'diabetes', environment: IMAGE, codePath: path.join(SAMPLE, 'src'), containerGroupName: 'cli-qa' },
        /\[output\] scoringUri = http:\/\/127\.0\.0\.1:\d+\/score/,
      ],
      [
        'SmokeTest',
        { target: 'containerGroup', containerGroupName: 'cli-qa', payload: JSON.stringify({ data: [ROW] }), assertions: 'len($.predictions) == 1' },
        /\[output\] statusCode = 200/,
      ],
      [
        'DeployToAks',
        { endpointName: 'cli-prod', computeName: 'aks-prod', modelName: 'diabetes', environment: IMAGE, codePath: path.join(SAMPLE, 'src') },
        /\[output\] deploymentName = blue/,
      ],
      [
        'DeployBatchEndpoint',
        {
          endpointName: 'cli-batch',
          deploymentName: 'ridge',
          computeName: 'cpu-cluster',
          modelName: 'diabetes',
          environment: IMAGE,
          codePath: path.join(SAMPLE, 'src'),
          scoringScript: 'batch_score.py',
        },
        /\[output\] invocationUri = https:\/\/.*\/batch\/cli-batch\/jobs/,
      ],
      [
        'SmokeTest',
        { target: 'batchEndpoint', endpointName: 'cli-batch', batchInput: path.join(SAMPLE, 'batch', 'inputs'), expectedRowCount: '9' },
        /\[output\] outputUri = azureml:\/\//,
      ],
      [
        'PromoteModel',
        { modelName: 'diabetes', registryName: 'mlops-registry' },
        /\[output\] registryModelId = azureml:\/\/registries\/mlops-registry\/models\/diabetes\/versions\/1/,
      ],
    ];
    for (const [task, values, expected] of steps) {
      const result = await run(task, values);
      assert.equal(result.code, 0, `${task}: ${result.out}`);
      assert.match(result.out, expected, task);
      assert.ok(!result.out.includes(emulator.info.clientSecret), `${task} printed the client secret`);
      assert.ok(!result.out.includes('##vso['), `${task}: commands are shown readably`);
    }
    await trainManyModels(emulator, 'cli-many', { stores: 2, brands: 2 });
    const grouped = await run('GroupManyModels', {
      modelTagFilter: 'ModelType=many-models-diabetes',
      splittingTags: 'Brand',
      environment: IMAGE,
      codePath: path.join(SAMPLE, 'src'),
      scoringScript: 'many_models_score.py',
    });
    assert.equal(grouped.code, 0, grouped.out);
    assert.match(grouped.out, /\[output\] newGroups = 2/);
    assert.ok(fs.existsSync(path.join(MANY_MODELS, 'pipeline.yml')));
  });

  it('with --connection environment, runs on the credential the environment gives (as on a developer machine)', async () => {
    const { info: i } = emulator;
    const env = {
      AZURE_CLIENT_ID: i.clientId,
      AZURE_TENANT_ID: i.tenantId,
      AZURE_CLIENT_SECRET: i.clientSecret,
      AZURE_AUTHORITY_HOST: i.authorityHost,
      AZURE_RESOURCE_MANAGER_URL: i.armUrl,
      AZURE_SUBSCRIPTION_ID: i.subscriptionId,
    };
    const result = await cli(
      [
        'run',
        'PublishAmlPipeline',
        '--inputs',
        inputs('env', {
          resourceGroupName: i.resourceGroup,
          workspaceName: i.workspace,
          pipelineFile: path.join(SAMPLE, 'pipeline.yml'),
          componentName: 'from_env',
          componentVersion: '1',
        }),
        '--connection',
        'environment',
      ],
      env,
    );
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /tokens from the environment/);
    assert.match(result.out, /\[result\] Succeeded: Published from_env:1/);
    assert.ok(!result.out.includes(i.clientSecret));
  });

  it("prints the task's lines as they come, not when it ends (a call that hangs 4 s shows the lines before it)", async () => {
    emulator.faults.add({ path: '/onlineEndpoints/', method: 'GET', fault: { type: 'latency', ms: 4_000 }, times: 1 });
    try {
      const r = await run('SmokeTest', { target: 'onlineEndpoint', endpointName: 'nowhere', payload: '{}', requestCount: '1' });
      assert.ok(r.firstOutputMs >= 0 && r.endMs - r.firstOutputMs >= 3_000, `first output at ${r.firstOutputMs} ms, end at ${r.endMs} ms`);
    } finally {
      emulator.faults.clear();
    }
  });

  it('explains bad usage: unknown task or input, a server task, a missing inputs file', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'Nope', '--inputs', inputs('x', {})], /no task 'Nope'; tasks: DeployBatchEndpoint, DeployToAci, /],
      [['run', 'SmokeTest', '--inputs', inputs('y', { colour: 'red' })], /SmokeTest has no input 'colour'; its inputs: target, /],
      [['run', 'RunAmlPipelineAgentless', '--inputs', inputs('z', {})], /is a server task/],
      [['run', 'SmokeTest', '--inputs', path.join(dir, 'missing.yml')], /inputs file '.*missing\.yml' does not exist/],
      [['run', 'SmokeTest'], /--inputs is required/],
    ];
    for (const [args, expected] of cases) {
      const result = await cli(args);
      assert.equal(result.code, 2, result.out);
      assert.match(result.out, expected);
    }
  });
});
