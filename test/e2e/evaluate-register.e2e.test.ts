import { strict as assert } from 'node:assert';
import type { Emulator } from '../../emulator/server';
import { seedJob, startTrustedEmulator, type SeedJob } from '../../emulator/seed';
import { armCall, endpointPath } from '../support/arm';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, type BundleRun } from '../../scripts/lib/run-bundle';

describe('EvaluateAndRegister bundle against the emulator', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let counter = 0;

  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  function job(metrics: Record<string, number>, extra: Partial<SeedJob> = {}): string {
    const name = `train-${++counter}`;
    seedJob(emulator, { name, metrics, ...extra });
    return name;
  }

  const evaluate = (inputs: Record<string, string>, env: Record<string, string> = {}): Promise<BundleRun> =>
    runBundle('EvaluateAndRegister', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        modelName: 'diabetes',
        rules: 'mse lower\nr2 higher threshold=0.3',
        ...inputs,
      },
      connection: emulatorConnection(emulator, 'spnKey'),
      env: { BUILD_BUILDID: '77', BUILD_REPOSITORY_NAME: 'mlops', BUILD_SOURCEVERSION: 'f00d', ...env },
    });

  const versions = (model = 'diabetes') => [...emulator.state.modelVersions.values()].flat().filter((v) => v.name === model);
  const holder = (tag = 'lifecycle', model = 'diabetes') =>
    versions(model)
      .filter((v) => v.resource.properties.tags?.[tag] === 'production')
      .map((v) => v.version);
  const decision = (run: BundleRun) => JSON.parse(run.outputs.decision);

  it('first model: registered as version 1 with its lineage, and promoted', async () => {
    const name = job({ mse: 3000, r2: 0.45 });
    const run = await evaluate({ jobName: name });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const summary = run.attachments.map((a) => a.content).join('\n');
    assert.ok(
      summary.includes(
        `(https://ml.azure.com/runs/${name}?wsid=/subscriptions/${emulator.info.subscriptionId}/resourceGroups/rg-mlops/providers/Microsoft.MachineLearningServices/workspaces/mlw-emulator)`,
      ),
      summary,
    );
    assert.ok(summary.includes('(https://ml.azure.com/model/diabetes%3A1/details?wsid='), 'a studio link to the registered model');
    assert.deepEqual(
      { ...run.outputs, decision: undefined },
      {
        registered: 'true',
        modelName: 'diabetes',
        modelVersion: '1',
        modelId: versions()[0].resource.id,
        championVersion: '',
        decision: undefined,
        // The metrics the rules compared, from the job's runs; no champion yet, and no registry asked for.
        candidateMetrics: '{"mse":3000,"r2":0.45}',
        championMetrics: '{}',
        registryModelId: '',
      },
    );
    const v1 = versions()[0].resource.properties;
    assert.equal(v1.jobName, name);
    assert.equal(v1.modelUri, `azureml://jobs/${name}/outputs/model/paths/`);
    assert.equal(v1.modelType, 'CustomModel');
    assert.deepEqual(v1.tags, {
      BuildId: '77',
      Repository: 'mlops',
      SourceVersion: 'f00d',
      jobName: name,
      mse: '3000',
      r2: '0.45',
      gate: 'passed',
      lifecycle: 'production',
    });
    assert.equal(decision(run).champion, null);
    assert.match(decision(run).rules[0].note, /no champion/);
    assert.match(run.attachments[0].content, /\| mse \| `mse lower` \| 3000 \| - \|/);
  });

  it('better: registered as version 2; the production tag moves (new holder first, then removed from v1)', async () => {
    const run = await evaluate({ jobName: job({ mse: 2800, r2: 0.5 }) });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.modelVersion, '2');
    assert.equal(run.outputs.championVersion, '1');
    assert.deepEqual(decision(run).promoted, { tag: 'lifecycle=production', to: '2', from: ['1'] });
    assert.deepEqual(holder(), ['2']);
    assert.match(decision(run).champion.source, /MLflow run of its training job 'train-1'/);
  });

  it('worse, onNotBetter=skip: succeeded with issues, registered=false, nothing written', async () => {
    const before = versions().length;
    const run = await evaluate({ jobName: job({ mse: 2900, r2: 0.5 }) });
    assert.equal(run.result, 'SucceededWithIssues');
    assert.match(
      run.message ?? '',
      /is not better than the champion v2: mse lower \(candidate 2900, required < 2800 \(better than the champion\)\)\. Nothing registered\./,
    );
    assert.equal(run.outputs.registered, 'false');
    assert.equal(run.outputs.modelVersion, '');
    assert.equal(versions().length, before);
  });

  it('worse, onNotBetter=fail: the task fails, nothing written', async () => {
    const before = versions().length;
    const run = await evaluate({ jobName: job({ mse: 2900, r2: 0.5 }), onNotBetter: 'fail' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /not better than the champion v2/);
    assert.equal(versions().length, before);
  });

  it('worse, onNotBetter=registerOnly: registered without promotion', async () => {
    const run = await evaluate({ jobName: job({ mse: 2900, r2: 0.5 }), onNotBetter: 'registerOnly' });
    assert.equal(run.result, 'Succeeded');
    assert.equal(run.outputs.modelVersion, '3');
    assert.equal(decision(run).action, 'registeredNotPromoted');
    assert.deepEqual(holder(), ['2']);
  });

  it('a tie is not better (a bare rule needs a strict improvement); minAbsoluteChange=0 accepts it', async () => {
    const tie = await evaluate({ jobName: job({ mse: 2800, r2: 0.5 }) });
    assert.equal(tie.result, 'SucceededWithIssues');
    const accepted = await evaluate({ jobName: job({ mse: 2800, r2: 0.5 }), rules: 'mse lower minAbsoluteChange=0' });
    assert.equal(accepted.result, 'Succeeded');
    assert.equal(decision(accepted).rules[0].required, '<= 2800 (champion - 0)');
    assert.deepEqual(holder(), [accepted.outputs.modelVersion]);
  });

  it('a metric missing on the candidate fails clearly', async () => {
    const run = await evaluate({ jobName: job({ r2: 0.6 }) });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /The candidate \(job 'train-\d+'\) has no metric 'mse'; it logged: r2/);
  });

  it('a metric missing on the champion: that rule checks only its threshold, and the decision says so', async () => {
    const run = await evaluate({ jobName: job({ mse: 100, r2: 0.9, mae: 5 }), rules: 'mse lower\nmae lower threshold=10' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const mae = decision(run).rules.find((r: { metric: string }) => r.metric === 'mae');
    assert.equal(mae.champion, null);
    assert.match(mae.note, /the champion has no 'mae': threshold only/);
  });

  it('several rules must all pass; relative change and threshold-only rules', async () => {
    const champion = Number(holder()[0]);
    const failing = await evaluate({ jobName: job({ mse: 99, r2: 0.95 }), rules: 'mse lower minRelativeChange=0.05\nr2 higher threshold=0.9' });
    assert.equal(failing.result, 'SucceededWithIssues', 'mse 99 is not 5% under 100');
    assert.match(decision(failing).rules[0].required, /<= 95 \(champion - 5%\)/);
    const passing = await evaluate({ jobName: job({ mse: 90, r2: 0.95 }), rules: 'mse lower minRelativeChange=0.05\nr2 higher threshold=0.9' });
    assert.equal(passing.result, 'Succeeded');
    const thresholdOnly = await evaluate({ jobName: job({ mse: 5000, r2: 0.31 }), rules: 'r2 higher threshold=0.3' });
    assert.equal(thresholdOnly.result, 'Succeeded', 'the threshold bounds the candidate only');
    assert.ok(Number(thresholdOnly.outputs.modelVersion) > champion);
  });

  it('champion by latest and by another tag; metrics from version tags when the job has no MLflow run', async () => {
    const model = 'by-latest';
    const first = await evaluate({ modelName: model, jobName: job({ mse: 50, r2: 0.5 }), champion: 'latest', promoteTag: 'none' });
    assert.equal(first.outputs.modelVersion, '1');
    emulator.state.mlflowRuns.delete(decision(first).job);
    const second = await evaluate({ modelName: model, jobName: job({ mse: 40, r2: 0.5 }), champion: 'latest', promoteTag: 'stage=blessed' });
    assert.equal(second.outputs.championVersion, '1');
    assert.equal(decision(second).champion.source, 'metric tags stored on the version');
    assert.deepEqual(holder('stage', model).length, 0, 'the value is blessed, not production');
    assert.equal(versions(model).find((v) => v.version === '2')?.resource.properties.tags.stage, 'blessed');
    const third = await evaluate({ modelName: model, jobName: job({ mse: 45, r2: 0.5 }), champion: 'tag:stage=blessed' });
    assert.equal(third.outputs.championVersion, '2');
    assert.equal(third.result, 'SucceededWithIssues');
  });

  it('metrics from a named step (metricsSource)', async () => {
    const run = await evaluate({ modelName: 'by-step', jobName: job({}, { steps: { evaluate: { mse: 10, r2: 0.9 } } }), metricsSource: 'evaluate' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(decision(run).rules[0].candidate, 10);
  });

  it("finds the job by this run's plan id when jobName is empty", async () => {
    const name = job({ mse: 1, r2: 0.99 }, { tags: { AzureDevOpsPlanId: 'plan-xyz' } });
    const run = await evaluate({ modelName: 'by-plan' }, { SYSTEM_PLANID: 'plan-xyz' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(decision(run).job, name);
  });

  it('an idempotent re-run returns the registered version and writes nothing', async () => {
    const name = job({ mse: 0.5, r2: 0.99 });
    const first = await evaluate({ jobName: name });
    const count = versions().length;
    const again = await evaluate({ jobName: name });
    assert.equal(again.result, 'Succeeded');
    assert.deepEqual(again.outputs, first.outputs, 'the same outputs, the decision of the run that registered it included');
    assert.match(again.message ?? '', /already registered by an earlier run for job/);
    assert.equal(versions().length, count);
    assert.deepEqual(holder(), [first.outputs.modelVersion]);
  });

  describe('the production tag never leaves the serving version on a failure', () => {
    const FAST_RETRY = { AZUREML_TASKS_RETRY_BASE_DELAY_MS: '5', AZUREML_TASKS_RETRY_MAX_DELAY_MS: '20' };
    afterEach(() => emulator.faults.clear());

    it('a new version that cannot be registered: the task fails, the champion keeps the tag, nothing half-written', async () => {
      const champion = holder();
      const count = versions().length;
      emulator.faults.add({ path: '/models/diabetes/versions/', method: 'PUT', fault: { type: 'status', status: 500 }, times: 100 });
      const run = await evaluate({ jobName: job({ mse: 0.1, r2: 0.999 }) }, FAST_RETRY);
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /Register model 'diabetes' version '\d+'/);
      assert.deepEqual(holder(), champion);
      assert.equal(versions().length, count);
    });

    it('a previous holder that cannot be untagged: both hold it for a moment, and a re-run completes the move', async () => {
      const [champion] = holder();
      const name = job({ mse: 0.05, r2: 0.9999 });
      emulator.faults.add({ path: `/models/diabetes/versions/${champion}`, method: 'PUT', fault: { type: 'status', status: 500 }, times: 100 });
      const run = await evaluate({ jobName: name }, FAST_RETRY);
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', new RegExp(`Remove lifecycle=production from model 'diabetes' version '${champion}'`));
      const next = String(
        Number(
          versions()
            .map((v) => Number(v.version))
            .sort((a, b) => b - a)[0],
        ),
      );
      assert.deepEqual(holder().sort(), [champion, next].sort(), 'the new version was tagged in the same write that registered it');
      emulator.faults.clear();
      const again = await evaluate({ jobName: name });
      assert.equal(again.result, 'Succeeded', again.stdout);
      assert.deepEqual(holder(), [next]);
    });
  });

  it('a job that is not Completed is a clear error', async () => {
    const run = await evaluate({ jobName: job({ mse: 1, r2: 1 }, { status: 'Failed' }) });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /Job 'train-\d+' is Failed, not Completed: there is no trained model to evaluate\./);
  });

  it("a job whose step failed: the error carries the exit code and the step log's last lines, from run history", async () => {
    const ws = endpointPath(emulator, 'x').replace('/onlineEndpoints/x', '');
    const spec = {
      type: 'command',
      command: "echo 'loading data'; echo 'FileNotFoundError: diabetes.csv' >&2; exit 3",
      outputs: { model: { type: 'uri_folder' } },
    };
    assert.equal(
      (await armCall(emulator, 'PUT', `${ws}/components/failing-train/versions/1?api-version=2024-04-01`, { properties: { componentSpec: spec } })).status,
      201,
    );
    const name = `failing-${Date.now()}`;
    const component = `${ws}/components/failing-train/versions/1`;
    const put = await armCall(emulator, 'PUT', `${ws}/jobs/${name}?api-version=2024-04-01`, {
      properties: {
        jobType: 'Pipeline',
        jobs: { train: { componentId: component, outputs: { model: '${{parent.outputs.trained_model}}' } } },
        outputs: { trained_model: { type: 'uri_folder' } },
      },
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const job = () => [...emulator.state.jobs.values()].find((j) => j.name === name);
    while (!['Completed', 'Failed', 'Canceled'].includes(String(job()?.resource.properties.status))) await new Promise((r) => setTimeout(r, 50));
    const run = await evaluate({ jobName: name, modelOutputName: 'trained_model' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', new RegExp(`Job '${name}' is Failed, not Completed`));
    assert.match(run.message ?? '', /Failed nodes: \/train\. Execution failed\. User process 'sh' exited with status code 3\./);
    assert.match(run.message ?? '', /FileNotFoundError: diabetes\.csv/);
  });

  it('a malformed rule is an error naming its line, before any Azure call', async () => {
    const run = await evaluate({ jobName: 'whatever', rules: 'mse lower\nr2 upper' });
    assert.equal(run.result, 'Failed');
    assert.equal(run.message, "Input 'rules': line 2 'r2 upper': the direction must be 'higher' or 'lower', not 'upper'");
    const option = await evaluate({ jobName: 'whatever', rules: 'r2 higher minGain=1' });
    assert.match(
      option.message ?? '',
      /line 1 'r2 higher minGain=1': 'minGain=1' is not an option; allowed: threshold=<n>, minAbsoluteChange=<n>, minRelativeChange=<n>/,
    );
  });
});
