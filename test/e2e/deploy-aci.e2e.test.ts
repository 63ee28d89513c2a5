import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { seedRegistry, startTrustedEmulator, newTrafficLog } from '../../emulator/seed';
import { acrPullIdentity } from '../../emulator/resources/container-registries';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, visibleText, type BundleRun } from '../../scripts/lib/run-bundle';
import { ROW, SAMPLE, trainAndRegisterSample } from '../support/trained-model';
import { readTraffic } from '../support/traffic';

const BASE_IMAGE = 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest';

describe('DeployToAci bundle against the emulator', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let log: string;

  const uami = () => acrPullIdentity(emulator.state);
  const ws = () => ({ resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace });
  const deploy = (inputs: Record<string, string>): Promise<BundleRun> =>
    runBundle('DeployToAci', {
      inputs: { ...ws(), modelName: 'diabetes', environment: BASE_IMAGE, codePath: path.join(SAMPLE, 'src'), containerGroupName: 'diabetes-qa', ...inputs },
      connection: emulatorConnection(emulator, 'spnKey'),
      env: { BUILD_BUILDID: '88' },
    });
  const traffic = () => readTraffic(log);

  before(async () => {
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
    seedRegistry(emulator, 'contoso.azurecr.io', { images: ['diabetes:7'], username: 'contoso', password: 'acr-pass-98765', pullIdentities: [uami()] });
    await trainAndRegisterSample(emulator, 'train-aci');
  });
  after(() => emulator.stop());

  it('packages the production model with score.py and serves real predictions that SmokeTest checks', async () => {
    const run = await deploy({ secureEnvironmentVariables: 'API_SECRET=s3cr3t-value-123', environmentVariables: 'MODE=qa' });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.match(run.outputs.scoringUri, /^http:\/\/127\.0\.0\.1:\d+\/score$/);
    assert.match(run.outputs.image, /^emuacr\.azurecr\.io\/diabetes-package:1-[0-9a-f]{12}$/);
    assert.match(run.outputs.containerGroupId, /\/providers\/Microsoft\.ContainerInstance\/containerGroups\/diabetes-qa$/);
    assert.ok(!visibleText(run).includes('s3cr3t-value-123'));
    const group = [...emulator.state.containerGroups.values()].find((g) => g.name === 'diabetes-qa')!;
    assert.ok(!JSON.stringify(group.resource).includes('s3cr3t-value-123'), 'secure values are not returned');
    const smoke = await runBundle('SmokeTest', {
      inputs: {
        target: 'containerGroup',
        resourceGroupName: emulator.info.resourceGroup,
        containerGroupName: 'diabetes-qa',
        payload: JSON.stringify({ data: [ROW, ROW] }),
        requestCount: '5',
        assertions: 'len($.predictions) == 2\n$.predictions[0] > 50\n$.predictions[0] < 350',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
    });
    assert.equal(smoke.result, 'Succeeded', smoke.stdout);
  });

  it('a re-run converges: same image, no new package, code or group', async () => {
    const assets = emulator.state.assets.size;
    fs.rmSync(log, { force: true });
    const run = await deploy({});
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /Reusing image emuacr\.azurecr\.io\/diabetes-package:1-/);
    assert.equal(emulator.state.assets.size, assets);
    assert.equal([...emulator.state.containerGroups.values()].filter((g) => g.name === 'diabetes-qa').length, 1);
    assert.ok(!traffic().some((l) => l.url.includes('/package')), 'no second package build');
  });

  it('runs a given image (imageSource: image)', async () => {
    const image = 'mcr.microsoft.com/azuredocs/aci-helloworld:latest';
    const run = await deploy({ imageSource: 'image', image, containerGroupName: 'diabetes-image', modelVersion: '1' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.image, image);
  });

  it('an image no registry holds, or a private one without credentials, is refused as ACI refuses it, and nothing is created', async () => {
    for (const image of ['mcr.microsoft.com/azureml/no-such-image:1', 'contoso.azurecr.io/diabetes:7', 'contoso.azurecr.io/diabetes:8']) {
      const run = await deploy({ imageSource: 'image', image, containerGroupName: 'diabetes-unpullable', modelVersion: '1' });
      assert.equal(run.result, 'Failed', image);
      assert.match(
        run.message ?? '',
        new RegExp(
          `InaccessibleImage: The image '${image.replace(/\./g, '\\.')}' in container group 'diabetes-unpullable(-next)?' is not accessible\\. Please check the image and registry credential\\.`,
        ),
      );
      assert.ok(![...emulator.state.containerGroups.values()].some((g) => g.name.startsWith('diabetes-unpullable')));
    }
  });

  it("pulls a model package's image from the workspace's registry with its admin login from the workspace's keys, masked", async () => {
    const run = await deploy({ containerGroupName: 'diabetes-ws-registry', modelVersion: '1' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const group = [...emulator.state.containerGroups.values()].find((g) => g.name === 'diabetes-ws-registry')!;
    const registry = emulator.state.registries.get('emuacr.azurecr.io')!;
    assert.deepEqual(
      (group.resource as { properties: { imageRegistryCredentials: unknown[] } }).properties.imageRegistryCredentials,
      [{ server: 'emuacr.azurecr.io', username: 'emuacr' }],
      'the password is not kept on the group, as ACI answers',
    );
    assert.ok(run.secrets.includes(registry.password!) && !visibleText(run).includes(registry.password!));
    const other = await deploy({ containerGroupName: 'diabetes-ws-other', modelVersion: '1', registryServer: 'contoso.azurecr.io', registryIdentity: uami() });
    assert.equal(other.result, 'Failed');
    assert.match(
      other.message ?? '',
      /Input 'registryServer': the model package image 'emuacr\.azurecr\.io\/.*' is in the workspace's registry 'emuacr\.azurecr\.io', but the registry access given is for 'contoso\.azurecr\.io'/,
    );
  });

  it('pulls with a Docker registry service connection (password masked) or a user-assigned identity', async () => {
    const docker = await runBundle('DeployToAci', {
      inputs: {
        ...ws(),
        modelName: 'diabetes',
        modelVersion: '1',
        imageSource: 'image',
        image: 'contoso.azurecr.io/diabetes:7',
        containerGroupName: 'diabetes-registry',
        dockerRegistryConnection: 'acr',
      },
      connection: emulatorConnection(emulator, 'spnKey'),
      env: {
        ENDPOINT_URL_acr: 'https://contoso.azurecr.io',
        ENDPOINT_AUTH_acr: JSON.stringify({ scheme: 'UsernamePassword', parameters: { username: 'contoso', password: 'acr-pass-98765' } }),
      },
    });
    assert.equal(docker.result, 'Succeeded', docker.stdout);
    assert.ok(!visibleText(docker).includes('acr-pass-98765'));
    const group = () =>
      [...emulator.state.containerGroups.values()].find((g) => g.name === 'diabetes-registry')!.resource as {
        identity?: unknown;
        properties: { imageRegistryCredentials: Record<string, string>[] };
      };
    assert.equal(group().properties.imageRegistryCredentials[0].server, 'contoso.azurecr.io');
    assert.equal(group().properties.imageRegistryCredentials[0].username, 'contoso');
    const identity = await deploy({
      modelVersion: '1',
      imageSource: 'image',
      image: 'contoso.azurecr.io/diabetes:7',
      containerGroupName: 'diabetes-registry',
      registryServer: 'contoso.azurecr.io',
      registryIdentity: uami(),
    });
    assert.equal(identity.result, 'Succeeded', identity.stdout);
    assert.deepEqual(group().properties.imageRegistryCredentials, [{ server: 'contoso.azurecr.io', identity: uami() }]);
    assert.deepEqual(group().identity, { type: 'UserAssigned', userAssignedIdentities: { [uami()]: {} } });
  });

  it('a scoring script that fails at start fails the task and prints the container logs', async () => {
    const code = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-score-'));
    fs.writeFileSync(path.join(code, 'score.py'), 'def init():\n    raise RuntimeError("model file is corrupt")\n\ndef run(data):\n    return []\n');
    const run = await deploy({ codePath: code, containerGroupName: 'diabetes-broken', timeoutMinutes: '1' });
    assert.equal(run.result, 'Failed');
    assert.match(
      run.message ?? '',
      /Create or update container group 'diabetes-broken' ended Failed: ContainerGroupFailed: Container 'model' terminated: RuntimeError: model file is corrupt/,
    );
    assert.match(run.stdout, /Last lines of the container logs \(model\)/);
    assert.match(run.stdout, /raise RuntimeError\("model file is corrupt"\)/);
  });

  it('replacing a serving group: a new version that fails at start is tried beside it and the old one keeps serving', async () => {
    const group = (name: string) => [...emulator.state.containerGroups.values()].find((g) => g.name === name);
    const before = group('diabetes-qa')!;
    const code = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-score-'));
    fs.writeFileSync(path.join(code, 'score.py'), 'def init():\n    raise RuntimeError("model file is corrupt")\n\ndef run(data):\n    return []\n');
    fs.rmSync(log, { force: true });
    const run = await deploy({ codePath: code, timeoutMinutes: '1' });
    fs.rmSync(code, { recursive: true, force: true });
    assert.equal(run.result, 'Failed');
    assert.match(
      run.message ?? '',
      /The new version of container group 'diabetes-qa' did not come up in its trial group 'diabetes-qa-next', so 'diabetes-qa' keeps serving the previous version: .*model file is corrupt/,
    );
    assert.match(run.stdout, /raise RuntimeError\("model file is corrupt"\)/, "the trial's logs are printed");
    const puts = traffic()
      .filter((l) => l.method === 'PUT' && l.url.includes('/containerGroups/'))
      .map((l) => new URL(l.url).pathname.split('/').pop());
    assert.deepEqual(puts, ['diabetes-qa-next'], 'the serving group is never written');
    assert.equal(group('diabetes-qa-next'), undefined, 'the trial group is deleted');
    assert.equal(group('diabetes-qa'), before);
    const answer = await fetch(`http://127.0.0.1:${before.port}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [ROW] }),
    });
    assert.equal(answer.status, 200, 'the old version still answers');

    const changed = await deploy({ environmentVariables: 'MODE=prod' });
    assert.equal(changed.result, 'Succeeded', changed.stdout);
    assert.match(changed.stdout, /the new version starts in the trial group 'diabetes-qa-next' first/);
    assert.equal(group('diabetes-qa-next'), undefined);
  });

  describe('rejected before any write', () => {
    const noWrites = () => traffic().filter((l) => l.method !== 'GET' && !l.url.includes('/oauth2/'));
    for (const [label, inputs, message] of [
      ['a bad container group name', { containerGroupName: 'Diabetes_QA' }, /Input 'containerGroupName': 'Diabetes_QA' is not a valid container group name/],
      ['a double hyphen', { containerGroupName: 'diabetes--qa' }, /is not a valid container group name/],
      [
        'an existing group with overwrite false',
        { overwrite: 'false' },
        /Input 'overwrite': container group 'diabetes-qa' already exists in resource group 'rg-mlops'; set overwrite to true to update it\./,
      ],
      ['a missing scoring script', { scoringScript: 'predict.py' }, /Input 'scoringScript': 'predict.py' is not in the code folder/],
      ['a model that does not exist', { modelName: 'unknown-model' }, /Input 'modelName': model 'unknown-model' does not exist/],
      [
        'a model without a production version',
        { productionTag: 'lifecycle=nowhere' },
        /Input 'modelVersion': is empty and no version of model 'diabetes' carries lifecycle=nowhere/,
      ],
    ] as const) {
      it(label, async () => {
        fs.rmSync(log, { force: true });
        const run = await deploy(inputs as Record<string, string>);
        assert.equal(run.result, 'Failed');
        assert.match(run.message ?? '', message);
        assert.deepEqual(noWrites(), []);
      });
    }
  });
});
