import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Scheme } from '../../scripts/lib/emulator-connection';
import { spnCertificatePem } from '../../scripts/lib/emulator-connection';
import { visibleText, type BundleRun } from '../../scripts/lib/run-bundle';
import { KNOWN_SECRETS, SCENARIOS, ScenarioBed } from '../support/scenarios';

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

describe('secret scan: no secret in output, summaries, files or output variables', function () {
  this.timeout(600_000);
  const bed = new ScenarioBed();
  const runs: { name: string; run: BundleRun }[] = [];
  const SCHEMES: Scheme[] = ['spnKey', 'spnCertificate', 'wif', 'msi'];

  before(async () => {
    await bed.start();
    const s = bed.emulator.state;
    const endpointKey = [...s.onlineEndpoints.values()].find((e) => e.name === 'bed-ep')!.keys.primaryKey;
    const extra: Record<string, Record<string, string>> = {
      // A Docker registry connection's password, a secure environment variable, an API key for a URL target.
      DeployToAci: { dockerRegistryConnection: 'acr' },
      SmokeTest: {
        target: 'url',
        scoringUri: String(
          (s.onlineEndpoints.get([...s.onlineEndpoints.keys()].find((k) => k.endsWith('/bed-ep'))!)!.resource.properties as { scoringUri: string }).scoringUri,
        ),
        endpointName: '',
        apiKey: endpointKey,
        authMode: 'key',
        junitFile: 'smoke.xml',
      },
    };
    let i = 0;
    for (const [task, scenario] of Object.entries(SCENARIOS)) {
      for (const scheme of task === 'SmokeTest' ? SCHEMES : [SCHEMES[i++ % SCHEMES.length]]) {
        const env: Record<string, string> =
          task === 'DeployToAci'
            ? {
                ENDPOINT_URL_acr: 'https://contoso.azurecr.io',
                ENDPOINT_AUTH_acr: JSON.stringify({ scheme: 'UsernamePassword', parameters: { username: 'contoso', password: KNOWN_SECRETS.dockerPassword } }),
              }
            : {};
        const run = await bed.run(task, { ...scenario(`sec-${scheme.toLowerCase()}`), ...(extra[task] ?? {}) }, scheme, env);
        assert.equal(run.result, 'Succeeded', `${task} (${scheme}): ${run.stdout.slice(-2000)}`);
        runs.push({ name: `${task} (${scheme})`, run });
      }
    }
  });
  after(() => bed.stop());

  /** Every secret value in play: connection secrets of all schemes, keys, tokens, SAS signatures, the known inputs. */
  function secrets(): string[] {
    const s = bed.emulator.state;
    const pem = spnCertificatePem();
    const keyLines = pem
      .slice(0, pem.indexOf('-----END PRIVATE KEY'))
      .split('\n')
      .filter((l) => l.length > 40 && !l.startsWith('-----'));
    const values = [
      bed.emulator.info.clientSecret,
      ...keyLines,
      s.storageKey,
      s.systemAccessToken,
      s.identityHeader,
      ...[...s.onlineEndpoints.values()].flatMap((e) => [e.keys.primaryKey, e.keys.secondaryKey]),
      ...s.tokens.keys(),
      ...s.oidcTokens.keys(),
      ...s.amlTokens.keys(),
      ...s.sasTokens,
      ...Object.values(KNOWN_SECRETS),
    ];
    return [...new Set(values)].filter((v) => v.length >= 8);
  }

  it('covers every agent task and every connection scheme', () => {
    assert.deepEqual([...new Set(runs.map((r) => r.name.split(' ')[0]))].sort(), Object.keys(SCENARIOS).sort());
    for (const scheme of SCHEMES)
      assert.ok(
        runs.some((r) => r.name.includes(`(${scheme})`)),
        scheme,
      );
    assert.ok(secrets().length > 20, `${secrets().length} secret values checked`);
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
    const aci = runs.find((r) => r.name.startsWith('DeployToAci'))!.run;
    assert.ok(aci.secrets.includes(KNOWN_SECRETS.dockerPassword) && aci.secrets.includes(KNOWN_SECRETS.apiSecret));
    const smoke = runs.find((r) => r.name.startsWith('SmokeTest'))!.run;
    assert.ok(
      smoke.secrets.some((v) => v.length > 8),
      'the API key is masked',
    );
  });
});
