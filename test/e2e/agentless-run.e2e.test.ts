import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection, emulatorServerEndpoint } from '../../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle, visibleText } from '../../scripts/lib/run-bundle';
import { ServerTaskSimulator } from '../../scripts/lib/server-task-simulator';

const TASK_JSON = path.join(REPO_ROOT, 'tasks', 'RunAmlPipelineAgentless', 'task.json');
const WAIT_TASK_JSON = path.join(REPO_ROOT, 'tasks', 'WaitForAmlJobAgentless', 'task.json');
const ENV = '    environment:\n      name: shell\n      image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest\n';

describe('RunAmlPipelineAgentless through the server-task simulator', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let ids: Record<string, string>;
  /** The System.AccessToken the first run's server task sent inside the job (its webhook's AuthToken). */
  let accessToken = '';

  async function publish(file: string, name: string): Promise<string> {
    const run = await runBundle('PublishAmlPipeline', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        pipelineFile: file,
        componentName: name,
        componentVersion: '1',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    return run.outputs.componentId;
  }

  function shellPipeline(command: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pipe-')), 'pipeline.yml');
    fs.writeFileSync(file, `type: pipeline\njobs:\n  step:\n    command: ${command}\n${ENV}`);
    return file;
  }

  function simulator(inputs: Record<string, string>, variables: Record<string, string> = {}, taskJson = TASK_JSON): ServerTaskSimulator {
    const { info } = emulator;
    return new ServerTaskSimulator(
      taskJson,
      { resourceGroupName: info.resourceGroup, workspaceName: info.workspace, ...inputs },
      emulatorServerEndpoint(emulator)('arm'),
      variables,
    );
  }

  const job = (name: string) => [...emulator.state.jobs.values()].find((j) => j.name === name);

  before(async () => {
    emulator = await startTrustedEmulator();
    ids = {
      sample: await publish(path.join(REPO_ROOT, 'samples', 'diabetes', 'pipeline.yml'), 'diabetes_pipeline'),
      quick: await publish(shellPipeline('echo done'), 'quick_pipeline'),
      slow: await publish(shellPipeline('sleep 30'), 'slow_pipeline'),
      failing: await publish(shellPipeline('exit 3'), 'failing_pipeline'),
      oneSecond: await publish(shellPipeline('sleep 1'), 'one_second_pipeline'),
      failsAfterASecond: await publish(shellPipeline('sleep 1 && exit 3'), 'fails_after_a_second'),
    };
  });
  after(() => emulator.stop());

  it('submit: one PUT with the webhook; the sample trains for real and the task completes from the callback', async () => {
    const sim = simulator({
      componentId: ids.sample,
      experimentName: 'diabetes',
      pipelineInputs: '{"alpha": {"jobInputType": "literal", "value": "0.5"}}',
      tags: '"team": "ml"',
    });
    const { result } = await sim.run(60_000);
    assert.equal(result, 'Succeeded');
    assert.equal(sim.requests.length, 1);
    const put = sim.requests[0];
    assert.equal(put.method, 'PUT');
    assert.match(put.url, /\/jobs\/azdo-7f1c6e52-9a3b-4d5e-8f21-0c4b6a7d8e90-1\?api-version=2024-10-01$/);
    const body = JSON.parse(put.body);
    const hook = body.properties.notificationSetting.webhooks['ADO_Webhook_5b0c1d2e-3f40-4a5b-9c6d-7e8f90a1b2c3_3a7e60dc-c5b0-5009-86eb-0f217c12e2ea'];
    assert.deepEqual(Object.keys(hook), [
      'webhookType',
      'eventType',
      'PlanUri',
      'ProjectId',
      'HubName',
      'PlanId',
      'JobId',
      'TimelineId',
      'TaskInstanceId',
      'AuthToken',
    ]);
    assert.equal(hook.AuthToken, sim.accessToken);
    accessToken = sim.accessToken;
    assert.deepEqual(body.properties.tags, {
      BuildId: '101',
      BuildUri: 'vstfs:///Build/Build/101',
      AzureDevOpsPlanId: '7f1c6e52-9a3b-4d5e-8f21-0c4b6a7d8e90',
      team: 'ml',
    });
    const record = job('azdo-7f1c6e52-9a3b-4d5e-8f21-0c4b6a7d8e90-1')!;
    assert.equal(record.resource.properties.status, 'Completed');
    assert.deepEqual(record.steps, { prep: 'Completed', train: 'Completed', evaluate: 'Completed' });
    const root = emulator.state.mlflowRuns.get(record.name)!;
    const r2 = root.metrics.get('r2')![0].value;
    const mse = root.metrics.get('mse')![0].value;
    assert.ok(r2 > 0.3 && r2 < 0.7, `r2 ${r2}`);
    assert.ok(mse > 1500 && mse < 4500, `mse ${mse}`);
    assert.ok(emulator.state.mlflowRuns.get(`${record.name}_train`)?.metrics.has('train_mse'));
    assert.ok(fs.existsSync(path.join(record.outputs.model, 'model.json')), 'the pipeline output holds the model');
    assert.ok(sim.events.every((e) => e.authorized));
  });

  it('then the gate registers the model the real job trained, with its real metrics', async () => {
    const name = 'azdo-7f1c6e52-9a3b-4d5e-8f21-0c4b6a7d8e90-1';
    const run = await runBundle('EvaluateAndRegister', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        modelName: 'diabetes',
        rules: 'mse lower\nr2 higher threshold=0.3',
      },
      connection: emulatorConnection(emulator, 'wif'),
      env: { SYSTEM_PLANID: '7f1c6e52-9a3b-4d5e-8f21-0c4b6a7d8e90' },
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.modelVersion, '1');
    assert.ok(
      accessToken.length > 20 && !visibleText(run).includes(accessToken) && !JSON.stringify(run.outputs).includes(accessToken),
      'the job carries System.AccessToken; reading the job never shows it',
    );
    const decision = JSON.parse(run.outputs.decision);
    assert.equal(decision.job, name);
    assert.ok(decision.rules[1].candidate > 0.3);
  });

  it('a failing step fails the task', async () => {
    const sim = simulator({ componentId: ids.failing, jobName: 'fails-1' });
    assert.equal((await sim.run(30_000)).result, 'Failed');
    assert.equal(job('fails-1')?.resource.properties.status, 'Failed');
  });

  it('cancel from the pipeline side cancels the job', async () => {
    const sim = simulator({ componentId: ids.slow, jobName: 'slow-1' });
    const { result } = await sim.run(30_000, async (s) => {
      while (job('slow-1')?.steps.step !== 'Running') await new Promise((r) => setTimeout(r, 50));
      const cancel = await s.cancel();
      assert.equal(cancel?.status, 202);
      assert.match(cancel?.url ?? '', /\/jobs\/slow-1\/cancel\?api-version=2024-10-01$/);
    });
    assert.equal(result, 'Canceled');
    for (let i = 0; i < 100 && job('slow-1')?.resource.properties.status !== 'Canceled'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(job('slow-1')?.resource.properties.status, 'Canceled');
  });

  it('a bad component id fails the task on the PUT response, with its message', async () => {
    const sim = simulator({ componentId: ids.sample.replace('diabetes_pipeline', 'no_such_pipeline'), jobName: 'bad-1' });
    const { result, message } = await sim.run(5_000);
    assert.equal(result, 'Failed');
    assert.match(message, /answered 404: Component '.*\/components\/no_such_pipeline\/versions\/1' was not found\./);
    assert.equal(job('bad-1'), undefined);
  });

  it('a job that ends within a second of submission still calls back (the webhook is in the PUT)', async () => {
    const sim = simulator({ componentName: 'quick_pipeline', componentVersion: '1', jobName: 'quick-1' });
    assert.equal((await sim.run(10_000)).result, 'Succeeded');
  });

  describe('templates and inputs as the server evaluates them', () => {
    const noRequest = async (inputs: Record<string, string>, input: string, message: RegExp) => {
      const sim = simulator({ componentId: ids.quick, ...inputs });
      const run = await sim.run(5_000);
      assert.equal(run.result, 'Failed');
      assert.match(run.message, new RegExp(`^Input '${input}': `));
      assert.match(run.message, message);
      assert.deepEqual(sim.requests, [], 'nothing is sent');
    };

    it('a display name with a backslash or a quote, or {{ in tags, fails validation naming the input', async () => {
      await noRequest({ displayName: 'C:\\runs\\nightly' }, 'displayName', /no double quote, backslash, line break or '\{\{'/);
      await noRequest({ displayName: 'the "best" run' }, 'displayName', /no double quote/);
      await noRequest({ experimentName: 'line\nbreak' }, 'experimentName', /line break/);
      await noRequest({ tags: '"team": "{{ml}}"' }, 'tags', /JSON members/);
      await noRequest({ tags: 'team=ml' }, 'tags', /JSON members without braces/);
      await noRequest({ pipelineInputs: 'alpha=0.5' }, 'pipelineInputs', /one JSON object/);
      await noRequest({ mode: 'attach' }, 'mode', /use the WaitForAmlJobAgentless task/);
    });

    it('an explicitly empty pipelineInputs submits no inputs (not "inputs": ,), and names are sent as written', async () => {
      const sim = simulator({ componentId: ids.quick, jobName: 'empty-inputs', pipelineInputs: '', displayName: "it's nightly #3" });
      assert.equal((await sim.run(10_000)).result, 'Succeeded');
      const body = JSON.parse(sim.requests[0].body);
      assert.deepEqual(body.properties.inputs, {});
      assert.equal(body.properties.displayName, "it's nightly #3");
    });

    it('an Execute call that does not answer within the limit fails the task', async () => {
      emulator.faults.add({ path: '/jobs/slow-answer', method: 'PUT', fault: { type: 'latency', ms: 1500 } });
      const sim = simulator({ componentId: ids.quick, jobName: 'slow-answer' });
      sim.executeLimitMs = 300;
      const run = await sim.run(5_000);
      emulator.faults.clear();
      assert.equal(run.result, 'Failed');
      assert.match(run.message, /PUT .*\/jobs\/slow-answer did not answer within 300 ms/);
    });

    it('callbacks: Bearer auth is accepted too; every TaskResult maps, an unknown one is refused', async () => {
      const sim = simulator({ componentId: ids.slow, jobName: 'callback-kinds' });
      const { result } = await sim.run(30_000, async (s) => {
        const post = (auth: string, result: string) =>
          fetch(s.eventsUrl, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'TaskCompleted', ...s.taskIds, result }),
          });
        assert.equal((await post('Bearer wrong', 'succeeded')).status, 401);
        assert.equal((await post(`Bearer ${s.accessToken}`, 'finished')).status, 400);
        assert.equal((await post(`Bearer ${s.accessToken}`, 'succeededWithIssues')).status, 200);
      });
      assert.equal(result, 'SucceededWithIssues');
      await simulator({ jobName: 'callback-kinds' }, {}, WAIT_TASK_JSON).cancel();
    });
  });

  describe('WaitForAmlJobAgentless (a job submitted elsewhere)', () => {
    const waiter = (jobName: string) => simulator({ jobName }, {}, WAIT_TASK_JSON);
    async function submitElsewhere(name: string, componentId: string): Promise<void> {
      const { info } = emulator;
      const token = emulator.state.issueToken(info.clientId, 'https://management.azure.com/.default').token;
      const url = `${emulator.url}/subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${info.workspace}/jobs/${name}?api-version=2024-04-01`;
      const res = await fetch(url, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { jobType: 'Pipeline', componentId } }),
      });
      assert.equal(res.status, 201);
    }

    it('PATCHes the webhook exactly as the Azure ML docs publish it and completes from the callback', async () => {
      await submitElsewhere('attach-1', ids.oneSecond);
      const sim = waiter('attach-1');
      const { result } = await sim.run(10_000);
      assert.equal(result, 'Succeeded');
      const patch = sim.requests[0];
      assert.equal(patch.method, 'PATCH');
      assert.match(patch.url, /\/jobs\/attach-1\?api-version=2024-04-01$/);
      assert.deepEqual(Object.keys(JSON.parse(patch.body).Properties.NotificationSetting.Webhooks['ADO_Webhook_5b0c1d2e-3f40-4a5b-9c6d-7e8f90a1b2c3']), [
        'WebhookType',
        'EventType',
        'PlanUri',
        'ProjectId',
        'HubName',
        'PlanId',
        'JobId',
        'TimelineId',
        'TaskInstanceId',
        'AuthToken',
      ]);
    });

    it('a failing job fails the attached task', async () => {
      await submitElsewhere('attach-fail', ids.failsAfterASecond);
      assert.equal((await waiter('attach-fail').run(10_000)).result, 'Failed');
    });

    it('cancel from the pipeline side cancels the attached job', async () => {
      await submitElsewhere('attach-slow', ids.slow);
      const { result } = await waiter('attach-slow').run(30_000, async (s) => {
        assert.equal((await s.cancel())?.status, 202);
      });
      assert.equal(result, 'Canceled');
      for (let i = 0; i < 100 && job('attach-slow')?.resource.properties.status !== 'Canceled'; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(job('attach-slow')?.resource.properties.status, 'Canceled');
    });

    it('a job that ended before the PATCH never calls back: the task timeout cancels the task and sends Cancel', async () => {
      await submitElsewhere('attach-late', ids.quick);
      while (job('attach-late')?.resource.properties.status !== 'Completed') await new Promise((r) => setTimeout(r, 50));
      const sim = waiter('attach-late');
      const { result, message } = await sim.run(1_500);
      assert.equal(result, 'Canceled');
      assert.match(message, /no TaskCompleted event within the task timeout \(1500 ms\): the task was canceled and Cancel sent/);
      assert.deepEqual(
        sim.requests.map((r) => `${r.method} ${new URL(r.url).pathname.split('/').slice(-2).join('/')}`),
        ['PATCH jobs/attach-late', 'POST attach-late/cancel'],
        'the timeout sends the Cancel section',
      );
    });
  });

  it('a step that calls `python` runs on a machine that only has python3 (as Azure ML images have python)', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'only-python3-'));
    const which = (exe: string) =>
      (process.env.PATH ?? '')
        .split(path.delimiter)
        .map((d) => path.join(d, exe))
        .find((f) => fs.existsSync(f)) as string;
    // The interpreter itself, not a version manager's shim that needs its own tools on PATH.
    const python3 = execFileSync(which('python3'), ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    fs.symlinkSync(python3, path.join(bin, 'python3'));
    for (const exe of ['sh', 'echo']) fs.symlinkSync(which(exe), path.join(bin, exe));
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      const componentId = await publish(shellPipeline('python -c "print(42)"'), 'python_only_pipeline');
      const sim = simulator({ componentId, jobName: 'python-only' });
      assert.equal((await sim.run(20_000)).result, 'Succeeded');
    } finally {
      process.env.PATH = saved;
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('runs a nested pipeline component, binding outputs across levels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nested-'));
    fs.writeFileSync(
      path.join(dir, 'inner.yml'),
      `type: pipeline\nname: inner_steps\ninputs:\n  word:\n    type: string\noutputs:\n  said:\n    type: uri_folder\njobs:\n  say:\n    command: echo \${{inputs.word}} > \${{outputs.out}}/said.txt\n${ENV}    inputs:\n      word: \${{parent.inputs.word}}\n    outputs:\n      out: \${{parent.outputs.said}}\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'outer.yml'),
      `type: pipeline\ninputs:\n  word: hello\njobs:\n  inner:\n    type: pipeline\n    component: file:./inner.yml\n    inputs:\n      word: \${{parent.inputs.word}}\n  check:\n    command: grep -q nested \${{inputs.said}}/said.txt\n${ENV}    inputs:\n      said: \${{parent.jobs.inner.outputs.said}}\n`,
    );
    const componentId = await publish(path.join(dir, 'outer.yml'), 'nested_pipeline');
    const sim = simulator({ componentId, jobName: 'nested-1', pipelineInputs: '{"word": {"jobInputType": "literal", "value": "nested"}}' });
    assert.equal((await sim.run(30_000)).result, 'Succeeded');
    assert.deepEqual(job('nested-1')?.steps, { 'inner/say': 'Completed', inner: 'Completed', check: 'Completed' });
    assert.ok([...emulator.state.assets.values()].some((a) => a.kind === 'components' && a.name === 'inner_steps'));
  });

  it('the emulator refuses notificationSetting below api-version 2024-10-01, as the service does', async () => {
    const { info } = emulator;
    const token = emulator.state.issueToken(info.clientId, 'https://management.azure.com/.default').token;
    const url = `${emulator.url}/subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${info.workspace}/jobs/old-api?api-version=2024-04-01`;
    const res = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { jobType: 'Pipeline', componentId: ids.quick, notificationSetting: { webhooks: {} } } }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /Could not find member 'notificationSetting'.*2024-10-01/);
  });
});
