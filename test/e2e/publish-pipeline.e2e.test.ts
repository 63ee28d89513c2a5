import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator, newTrafficLog } from '../../emulator/seed';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { REPO_ROOT, runBundle, type BundleRun } from '../../scripts/lib/run-bundle';
import { readTraffic } from '../support/traffic';

const SAMPLE = path.join(REPO_ROOT, 'samples', 'diabetes', 'pipeline.yml');

describe('PublishAmlPipeline bundle against the emulator', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let log: string;

  before(async () => {
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
  });
  after(() => emulator.stop());

  const publish = (extra: Record<string, string> = {}): Promise<BundleRun> =>
    runBundle('PublishAmlPipeline', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        pipelineFile: SAMPLE,
        componentName: 'diabetes_pipeline',
        tags: 'team=ml',
        ...extra,
      },
      connection: emulatorConnection(emulator, 'spnKey'),
      env: {
        BUILD_BUILDID: '101',
        BUILD_BUILDURI: 'vstfs:///Build/Build/101',
        BUILD_REPOSITORY_NAME: 'mlops',
        BUILD_SOURCEVERSION: 'abc123',
        BUILD_DEFINITIONNAME: 'diabetes-ci',
      },
    });

  it('a dry run validates and writes nothing (only reads in the traffic log)', async () => {
    fs.rmSync(log, { force: true });
    const run = await publish({ dryRun: 'true' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.message ?? '', /Dry run: 6 asset\(s\) would be written; nothing was\./);
    assert.match(run.stdout, /code code-[0-9a-f]{12}:1 would upload \(\d+ files/);
    const writes = readTraffic(log).filter((l) => l.method !== 'GET' && !l.url.includes('/oauth2/'));
    assert.deepEqual(writes, []);
    assert.deepEqual(
      [...emulator.state.assets.values()].filter((a) => a.resource.properties.environmentType !== 'Curated'),
      [],
    );
  });

  it('publishes the sample: code once, environment, three command components and the pipeline component', async () => {
    fs.rmSync(log, { force: true });
    const run = await publish();
    assert.equal(run.result, 'Succeeded', run.stdout);
    const ws = emulator.info;
    const id = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspace}/components/diabetes_pipeline/versions/101`;
    assert.deepEqual(run.outputs, { componentId: id, componentName: 'diabetes_pipeline', componentVersion: '101' });
    const uploads = readTraffic(log).filter((l) => l.method === 'PUT' && l.url.includes('/emustorage/'));
    // Every file of the folder but what its .amlignore leaves out (Python byte-code).
    const kept = fs
      .readdirSync(path.join(REPO_ROOT, 'samples', 'diabetes', 'src'), { recursive: true })
      .map(String)
      .filter((f) => !/(^|\/)__pycache__(\/|$)|\.pyc$/.test(f));
    assert.equal(uploads.length, kept.filter((f) => fs.statSync(path.join(REPO_ROOT, 'samples', 'diabetes', 'src', f)).isFile()).length);
    const kinds = [...emulator.state.assets.values()].map((a) => `${a.kind}:${a.name}:${a.version}`).sort();
    assert.equal(kinds.filter((k) => k.startsWith('codes:')).length, 1, 'one code asset for the shared src folder');
    assert.ok(kinds.includes('environments:python-stdlib:101'));
    for (const c of ['diabetes_prep', 'diabetes_train', 'diabetes_evaluate', 'diabetes_pipeline']) assert.ok(kinds.includes(`components:${c}:101`), c);
    const pipeline = [...emulator.state.assets.values()].find((a) => a.name === 'diabetes_pipeline')!;
    assert.deepEqual(pipeline.resource.properties.tags, {
      team: 'ml',
      BuildId: '101',
      BuildUri: 'vstfs:///Build/Build/101',
      Repository: 'mlops',
      SourceVersion: 'abc123',
      PipelineDefinition: 'diabetes-ci',
    });
    const spec = pipeline.resource.properties.componentSpec;
    assert.equal(spec.type, 'pipeline');
    assert.deepEqual(spec.jobs.train.inputs.train_data, { job_input_type: 'literal', value: '${{parent.jobs.prep.outputs.train_data}}' });
    assert.match(spec.jobs.train.componentId, /\/components\/diabetes_train\/versions\/101$/);
    assert.match(run.attachments[0].content, /\| component \| diabetes_pipeline \| 101 \| registered \|/);
  });

  it('a second publish uploads and registers nothing and returns the same outputs', async () => {
    const first = await publish();
    fs.rmSync(log, { force: true });
    const again = await publish();
    assert.equal(again.result, 'Succeeded');
    assert.deepEqual(again.outputs, first.outputs);
    const writes = readTraffic(log).filter((l) => l.method !== 'GET' && !l.url.includes('/oauth2/'));
    assert.deepEqual(writes, []);
    assert.match(again.message ?? '', /\(0 asset\(s\) written, 6 unchanged\)/);
  });

  it('a changed code folder gets a new code asset; a new version archives the old ones on request', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-'));
    fs.cpSync(path.join(REPO_ROOT, 'samples', 'diabetes'), copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'src', 'train.py'), '\n# changed\n');
    fs.writeFileSync(path.join(copy, 'src', '.amlignore'), 'data/\n');
    const run = await runBundle('PublishAmlPipeline', {
      inputs: {
        resourceGroupName: emulator.info.resourceGroup,
        workspaceName: emulator.info.workspace,
        pipelineFile: path.join(copy, 'pipeline.yml'),
        componentName: 'diabetes_pipeline',
        componentVersion: '102',
        archivePreviousVersions: 'true',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /component diabetes_pipeline:101 archived/);
    const codes = [...emulator.state.assets.values()].filter((a) => a.kind === 'codes');
    assert.equal(codes.length, 2);
    const old = [...emulator.state.assets.values()].find((a) => a.name === 'diabetes_pipeline' && a.version === '101')!;
    assert.equal(old.resource.properties.isArchived, true);
    const newest = [...emulator.state.blobs.keys()].filter((b) => b.includes('/data/'));
    assert.equal(newest.length, 1, 'the .amlignore kept data/ out of the second upload');
  });

  describe('bad input is a clear error, with nothing written', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['unsupported key', { pipelineFile: 'bad.yml' }, /Input 'pipelineFile': bad\.yml:6: key 'jobs\.a\.max_retries': is not supported here/],
      [
        'missing component file',
        { pipelineFile: 'missing.yml' },
        /Input 'pipelineFile': missing\.yml:5: key 'jobs\.a\.component': the local path 'file:\.\/nope\.yml' does not exist/,
      ],
      [
        'unknown binding',
        { pipelineFile: 'binding.yml' },
        /Input 'pipelineFile': binding\.yml:9: key 'jobs\.a\.inputs\.x': binds to pipeline input 'nope', which is not declared under inputs/,
      ],
      [
        'bad component name',
        { pipelineFile: SAMPLE, componentName: 'Diabetes-Pipeline' },
        /Input 'componentName': 'Diabetes-Pipeline' is not a valid component name/,
      ],
      [
        'registered environment that does not exist',
        { pipelineFile: 'env.yml' },
        /Environment 'no-such-env' version '3' \(azureml:no-such-env:3\) does not exist in workspace 'mlw-emulator'/,
      ],
    ];
    for (const [label, inputs, message] of cases) {
      it(label, async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-yaml-'));
        fs.writeFileSync(path.join(dir, 'bad.yml'), 'type: pipeline\njobs:\n  a:\n    command: echo hi\n    environment: azureml:e:1\n    max_retries: 3\n');
        fs.writeFileSync(path.join(dir, 'missing.yml'), 'type: pipeline\njobs:\n  a:\n    type: command\n    component: file:./nope.yml\n');
        fs.writeFileSync(
          path.join(dir, 'binding.yml'),
          'type: pipeline\ninputs:\n  alpha: 1\njobs:\n  a:\n    command: echo ${{inputs.x}}\n    environment: azureml:e:1\n    inputs:\n      x: ${{parent.inputs.nope}}\n',
        );
        fs.writeFileSync(path.join(dir, 'env.yml'), 'type: pipeline\nname: p\njobs:\n  a:\n    command: echo hi\n    environment: azureml:no-such-env:3\n');
        const before = emulator.state.assets.size;
        const run = await runBundle('PublishAmlPipeline', {
          inputs: {
            resourceGroupName: emulator.info.resourceGroup,
            workspaceName: emulator.info.workspace,
            componentVersion: '7',
            ...inputs,
            pipelineFile: path.isAbsolute(inputs.pipelineFile) ? inputs.pipelineFile : path.join(dir, inputs.pipelineFile),
          },
          connection: emulatorConnection(emulator, 'spnKey'),
        });
        assert.equal(run.result, 'Failed');
        assert.match(run.message ?? '', message);
        assert.equal(emulator.state.assets.size, before);
      });
    }
  });
});
