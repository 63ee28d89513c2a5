import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FaultRule } from '../../emulator/kit/faults';
import { seedRegistry } from '../../emulator/seed';
import type { InputOf } from '../../tasks/contracts.generated';
import type { Scheme } from '../../scripts/lib/emulator-connection';
import { spnCertificatePem } from '../../scripts/lib/emulator-connection';
import { visibleText, type BundleRun } from '../../scripts/lib/run-bundle';
import { AGENT_TASKS, KNOWN_SECRETS, SCENARIOS, ScenarioBed, type AgentTask } from '../support/scenarios';

/** Every file a run left in its working folder (summaries, plan and routing files, JUnit, temp files). */
function filesOf(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesOf(full));
    else out.push({ file: full, text: fs.readFileSync(full).toString('utf8') });
  }
  return out;
}

/** Code whose scoring script prints the secure environment variable it was given, then fails at start. */
function leakyCode(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaky-'));
  fs.writeFileSync(
    path.join(dir, 'score.py'),
    'import os\n\ndef init():\n    print("starting with", os.environ.get("API_SECRET"))\n    raise RuntimeError("model file is corrupt")\n\ndef run(data):\n    return []\n',
  );
  return dir;
}

/**
 * A failing run of each agent task: an ARM error that quotes the request (its Authorization header and body), a
 * failed gate, deployments whose logs are printed (one prints the secure value it was given), a failed assertion
 * on a key-authenticated URL, a tag filter that matches nothing.
 */
const FAILURES: { [T in AgentTask]: (id: string, bed: ScenarioBed) => { inputs: Partial<Record<InputOf<T>, string>>; fault?: FaultRule } } = {
  PublishAmlPipeline: (id) => {
    const inputs = SCENARIOS.PublishAmlPipeline(id);
    return { inputs, fault: { method: 'PUT', path: `/components/${inputs.componentName}/`, fault: { type: 'echo', status: 400 }, times: 100 } };
  },
  EvaluateAndRegister: (id) => ({ inputs: { ...SCENARIOS.EvaluateAndRegister(id), rules: 'r2 higher threshold=0.9999', onNotBetter: 'fail' } }),
  DeployToAci: (id) => ({ inputs: { ...SCENARIOS.DeployToAci(id), codePath: leakyCode(), timeoutMinutes: '1' } }),
  DeployToAks: (id) => ({ inputs: { ...SCENARIOS.DeployToAks(id), codePath: leakyCode(), timeoutMinutes: '1' } }),
  SmokeTest: (_id, bed) => ({ inputs: { ...urlTarget(bed), assertions: 'len($.predictions) == 7' } }),
  GroupManyModels: (id) => ({ inputs: { ...SCENARIOS.GroupManyModels(id), modelTagFilter: 'ModelTyp=many-models-diabetes' } }),
  DeployBatchEndpoint: (id) => {
    const inputs = SCENARIOS.DeployBatchEndpoint(id);
    return { inputs, fault: { method: 'PUT', path: `/deployments/${inputs.deploymentName}`, fault: { type: 'echo', status: 400 }, times: 100 } };
  },
  PromoteModel: (id) => {
    const inputs = SCENARIOS.PromoteModel(id);
    return { inputs, fault: { method: 'POST', path: '/publish', fault: { type: 'echo', status: 400 }, times: 100 } };
  },
};

/** SmokeTest against the bed's endpoint by URL with its key as the apiKey input. */
function urlTarget(bed: ScenarioBed): Partial<Record<InputOf<'SmokeTest'>, string>> {
  const endpoint = [...bed.emulator.state.onlineEndpoints.values()].find((e) => e.name === 'bed-ep')!;
  return {
    ...SCENARIOS.SmokeTest(''),
    target: 'url',
    scoringUri: String((endpoint.resource.properties as { scoringUri: string }).scoringUri),
    endpointName: '',
    apiKey: endpoint.keys.primaryKey,
    authMode: 'key',
    junitFile: 'smoke.xml',
  };
}

const ACR_ENV = {
  ENDPOINT_URL_acr: 'https://contoso.azurecr.io',
  ENDPOINT_AUTH_acr: JSON.stringify({ scheme: 'UsernamePassword', parameters: { username: 'contoso', password: KNOWN_SECRETS.dockerPassword } }),
};

describe('secret scan: no secret in output, summaries, files or output variables', function () {
  this.timeout(900_000);
  const bed = new ScenarioBed();
  const runs: { name: string; run: BundleRun }[] = [];
  const SCHEMES: Scheme[] = ['spnKey', 'spnCertificate', 'wif', 'msi'];

  before(async () => {
    await bed.start();
    seedRegistry(bed.emulator, 'contoso.azurecr.io', { images: ['diabetes:7'], username: 'contoso', password: KNOWN_SECRETS.dockerPassword });
    for (const task of AGENT_TASKS) {
      for (const scheme of SCHEMES) {
        const id = `sec-${scheme.toLowerCase()}`;
        const env = task === 'DeployToAci' ? ACR_ENV : {};
        // DeployToAci succeeds with a team registry's image and its connection; it fails with a model package.
        const extra =
          task === 'DeployToAci'
            ? { imageSource: 'image', image: 'contoso.azurecr.io/diabetes:7', dockerRegistryConnection: 'acr' }
            : task === 'SmokeTest'
              ? urlTarget(bed)
              : {};
        const run = await bed.run(task, { ...SCENARIOS[task](id), ...extra }, scheme, env);
        assert.equal(run.result, 'Succeeded', `${task} (${scheme}): ${run.stdout.slice(-2000)}`);
        runs.push({ name: `${task} (${scheme}) succeeding`, run });
        const failure = FAILURES[task](`fail-${scheme.toLowerCase()}`, bed);
        if (failure.fault) bed.emulator.faults.add(failure.fault);
        const failed = await bed.run(task, failure.inputs, scheme, env);
        bed.emulator.faults.clear();
        assert.equal(failed.result, 'Failed', `${task} (${scheme}) should fail: ${failed.stdout.slice(-2000)}`);
        runs.push({ name: `${task} (${scheme}) failing`, run: failed });
      }
    }
  });
  after(() => bed.stop());

  /** Every secret value in play: connection secrets of all schemes, keys, tokens, SAS signatures, the known inputs. */
  function secrets(): string[] {
    const pem = spnCertificatePem();
    const keyLines = pem
      .slice(0, pem.indexOf('-----END PRIVATE KEY'))
      .split('\n')
      .filter((l) => l.length > 40 && !l.startsWith('-----'));
    const values = [...bed.emulator.state.secretValues(), ...keyLines, ...Object.values(KNOWN_SECRETS)];
    return [...new Set(values)].filter((v) => v.length >= 8);
  }

  it('covers every agent task under every connection scheme, succeeding and failing', () => {
    assert.equal(runs.length, AGENT_TASKS.length * SCHEMES.length * 2);
    for (const task of AGENT_TASKS)
      for (const scheme of SCHEMES)
        for (const outcome of ['succeeding', 'failing'])
          assert.ok(
            runs.some((r) => r.name === `${task} (${scheme}) ${outcome}`),
            `${task} ${scheme} ${outcome}`,
          );
  });

  it('the failing runs showed what would leak: the echoed request, the printed logs, the failed gate', () => {
    const text = (name: string) => visibleText(runs.find((r) => r.name === name)!.run);
    assert.match(text('PublishAmlPipeline (wif) failing'), /The request was rejected\. Request: PUT .*authorization: Bearer \*\*\*/);
    assert.match(text('DeployToAci (msi) failing'), /starting with \*\*\*/, 'the container log line with the secure value is printed, masked');
    assert.match(text('DeployToAks (spnKey) failing'), /model file is corrupt/);
    assert.match(text('EvaluateAndRegister (spnCertificate) failing'), /r2/);
  });

  it('no secret value appears in stdout or stderr (masking commands aside), summaries, output variables or written files', () => {
    const all = secrets();
    const leaks: string[] = [];
    for (const { name, run } of runs) {
      const places: [string, string][] = [
        ['output', visibleText(run)],
        ['output variables', JSON.stringify(run.outputs)],
        ...filesOf(run.workDir).map((f): [string, string] => [`file ${path.relative(run.workDir, f.file)}`, f.text]),
      ];
      for (const [where, text] of places) {
        for (const secret of all) if (text.includes(secret)) leaks.push(`${name}: ${where} contains a secret (${secret.slice(0, 6)}...)`);
      }
    }
    assert.deepEqual(leaks, []);
  });

  it('the routing maps registered in the datastore hold no secret', () => {
    const maps = [...bed.emulator.state.blobs.entries()].filter(([name]) => name.endsWith('/routing-map.json'));
    assert.ok(maps.length > 0);
    for (const [name, data] of maps) for (const secret of secrets()) assert.ok(!data.toString('utf8').includes(secret), `${name} holds a secret`);
  });

  it('secrets the tasks read are registered for masking (the agent then masks them everywhere)', () => {
    const s = bed.emulator.state;
    const registered = (name: string) => runs.find((r) => r.name === name)!.run.secrets;
    for (const outcome of ['succeeding', 'failing']) {
      const registryPassword = outcome === 'succeeding' ? KNOWN_SECRETS.dockerPassword : s.registries.get('emuacr.azurecr.io')?.password;
      assert.ok(registered(`DeployToAci (spnKey) ${outcome}`).includes(registryPassword as string), 'registry password');
      assert.ok(registered(`DeployToAci (spnKey) ${outcome}`).includes(KNOWN_SECRETS.apiSecret), 'secure environment variable');
      assert.ok(
        registered(`SmokeTest (spnKey) ${outcome}`).includes([...s.onlineEndpoints.values()].find((e) => e.name === 'bed-ep')!.keys.primaryKey),
        'API key',
      );
      assert.ok(registered(`GroupManyModels (spnKey) ${outcome}`).includes(bed.emulator.info.clientSecret), 'client secret');
      assert.ok(registered(`DeployToAks (wif) ${outcome}`).includes(s.systemAccessToken), 'System.AccessToken used for the OIDC request');
    }
  });
});
