import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { runBundle, visibleText, type BundleRun } from '../../scripts/lib/run-bundle';
import { emulatorConnection, type Scheme } from '../../scripts/lib/emulator-connection';
import { seedEndpoint, startTrustedEmulator } from '../../emulator/seed';
import { readTraffic } from '../support/traffic';

const PAYLOAD = JSON.stringify({
  data: [
    [1, 2, 3],
    [0.5, 0.25, 0.25],
  ],
});

function assertSucceeded(run: BundleRun): void {
  assert.equal(run.result, 'Succeeded', `task did not succeed: ${run.message}\n${run.stdout}\n${run.stderr}`);
}

function assertNoSecrets(run: BundleRun, secrets: string[]): void {
  const text = visibleText(run);
  for (const secret of secrets) assert.ok(!text.includes(secret), `secret leaked: ${secret.slice(0, 6)}...`);
}

describe('SmokeTest bundle against the emulator', function () {
  this.timeout(120_000);
  let emulator: Emulator;

  before(async () => {
    emulator = await startTrustedEmulator();
    seedEndpoint(emulator, { name: 'ep-key', authMode: 'Key' });
    seedEndpoint(emulator, { name: 'ep-token', authMode: 'AMLToken', compute: 'aks-attached' });
    seedEndpoint(emulator, { name: 'ep-aad', authMode: 'AADToken' });
    seedEndpoint(emulator, { name: 'ep-canary', authMode: 'Key', deployments: { blue: { traffic: 100 }, green: { traffic: 0 } } });
  });
  after(() => emulator.stop());
  afterEach(() => emulator.faults.clear());

  const endpointInputs = (endpointName: string, extra: Record<string, string> = {}) => ({
    target: 'onlineEndpoint',
    resourceGroupName: emulator.info.resourceGroup,
    workspaceName: emulator.info.workspace,
    endpointName,
    payload: PAYLOAD,
    assertions: 'len($.predictions) == 2\n$.predictions[0] == 6\n$.predictions[1] >= 0.99',
    ...extra,
  });

  for (const [endpointName, expectedAuth] of [
    ['ep-key', 'key'],
    ['ep-token', 'amlToken'],
    ['ep-aad', 'aadToken'],
  ] as const) {
    it(`auto auth resolves ${expectedAuth} for ${endpointName} and passes its assertions`, async () => {
      const connection = emulatorConnection(emulator, 'spnKey');
      const run = await runBundle('SmokeTest', { inputs: endpointInputs(endpointName, { requestCount: '5' }), connection });
      assertSucceeded(run);
      assert.match(run.stdout, new RegExp(`auth: ${expectedAuth}`));
      assert.equal(run.outputs.statusCode, '200');
      assert.ok(Number(run.outputs.latencyP50Ms) > 0);
      assert.ok(Number(run.outputs.latencyP95Ms) >= Number(run.outputs.latencyP50Ms));
      const ep = [...emulator.state.onlineEndpoints.values()].find((e) => e.name === endpointName);
      const tokens = [...emulator.state.amlTokens.keys()];
      assertNoSecrets(run, [ep!.keys.primaryKey, emulator.info.clientSecret, ...tokens, ...emulator.state.tokens.keys()]);
    });
  }

  for (const scheme of ['spnKey', 'spnCertificate', 'wif', 'msi'] as Scheme[]) {
    it(`authenticates to ARM with the ${scheme} service connection`, async () => {
      const connection = emulatorConnection(emulator, scheme);
      const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key'), connection });
      assertSucceeded(run);
      assertNoSecrets(run, connection.secrets);
    });
  }

  it('explicit key, amlToken and none modes: the endpoint enforces its own mode', async () => {
    const connection = emulatorConnection(emulator, 'spnKey');
    assertSucceeded(await runBundle('SmokeTest', { inputs: endpointInputs('ep-key', { authMode: 'key' }), connection }));
    assertSucceeded(await runBundle('SmokeTest', { inputs: endpointInputs('ep-token', { authMode: 'amlToken' }), connection }));
    const none = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key', { authMode: 'none', readyDeadlineSeconds: '0' }), connection });
    assert.equal(none.result, 'Failed');
    assert.match(none.message ?? '', /status is 200 \(request 1: HTTP 401/);
  });

  it('targets one deployment with the azureml-model-deployment header', async () => {
    const connection = emulatorConnection(emulator, 'spnKey');
    const run = await runBundle('SmokeTest', {
      inputs: endpointInputs('ep-canary', { deploymentName: 'green', assertions: '$.deployment == "green"' }),
      connection,
    });
    assertSucceeded(run);
  });

  it('containerGroup target: address from ARM, no auth, JUnit written', async () => {
    const connection = emulatorConnection(emulator, 'spnKey');
    const put = await fetchArm(
      emulator,
      'PUT',
      `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/cg-smoke?api-version=2023-05-01`,
      {
        location: 'westeurope',
        properties: {
          osType: 'Linux',
          containers: [
            {
              name: 'model',
              properties: {
                image: 'mcr.microsoft.com/azuredocs/aci-helloworld:latest',
                ports: [{ port: 5001 }],
                resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
              },
            },
          ],
          ipAddress: { type: 'Public', ports: [{ port: 5001 }] },
        },
      },
    );
    assert.equal(put.status, 201);
    const run = await runBundle('SmokeTest', {
      inputs: {
        target: 'containerGroup',
        resourceGroupName: emulator.info.resourceGroup,
        containerGroupName: 'cg-smoke',
        payload: PAYLOAD,
        assertions: '$.containerGroup == "cg-smoke"',
        junitFile: 'results/smoke.xml',
        requestCount: '3',
      },
      connection,
    });
    assertSucceeded(run);
    assert.match(run.stdout, /auth: none/);
    const junit = fs.readFileSync(path.join(run.workDir, 'results', 'smoke.xml'), 'utf8');
    assert.match(junit, /<testsuites tests="2" failures="0"/);
    assert.match(junit, /name="\$.containerGroup == &quot;cg-smoke&quot;"/);
  });

  it('url target with an API key: sends Bearer <key>, masks it', async () => {
    const ep = [...emulator.state.onlineEndpoints.values()].find((e) => e.name === 'ep-key')!;
    const run = await runBundle('SmokeTest', {
      inputs: {
        target: 'url',
        scoringUri: `${emulator.url}/inference/ep-key/score`,
        apiKey: ep.keys.primaryKey,
        payload: PAYLOAD,
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    assertSucceeded(run);
    assert.match(run.stdout, /auth: key/);
    assert.match(run.stdout, /Trace id: 4bf92f3577b34da6a3ce929d0e0e4736/);
    assert.ok(run.secrets.includes(ep.keys.primaryKey), 'the key is registered with setsecret');
    assertNoSecrets(run, [ep.keys.primaryKey]);
  });

  it('url target with aadToken uses the connection for an https://ml.azure.com token', async () => {
    const connection = emulatorConnection(emulator, 'spnKey');
    const run = await runBundle('SmokeTest', {
      inputs: { target: 'url', authMode: 'aadToken', scoringUri: `${emulator.url}/inference/ep-aad/score`, payload: PAYLOAD },
      connection,
    });
    assertSucceeded(run);
  });

  it('waits for readiness through 503s and resets, then measures', async () => {
    emulator.faults.add({ path: '/inference/ep-key/score', fault: { type: 'status', status: 503 }, times: 2 });
    emulator.faults.add({ path: '/inference/ep-key/score', fault: { type: 'reset' }, times: 1 });
    const connection = emulatorConnection(emulator, 'spnKey');
    const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key'), connection });
    assertSucceeded(run);
    assert.equal((run.stdout.match(/Not ready yet/g) ?? []).length, 3);
  });

  it('survives ARM throttling (429 with Retry-After) and a 503 on the endpoint read', async () => {
    emulator.faults.add({ method: 'GET', path: '/onlineEndpoints/ep-key', fault: { type: 'status', status: 429, retryAfterSeconds: 1 }, times: 1 });
    emulator.faults.add({ method: 'POST', path: '/onlineEndpoints/ep-key/listKeys', fault: { type: 'status', status: 503 }, times: 1 });
    const connection = emulatorConnection(emulator, 'spnKey');
    const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key'), connection });
    assertSucceeded(run);
    assert.match(run.stdout, /HTTP 429; retrying in 1\.0 s/);
    assert.match(run.stdout, /HTTP 503; retrying/);
  });

  it('reads the payload from a file and sends a W3C traceparent and the deployment header the server sees', async () => {
    const log = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'traffic-')), 'log.jsonl');
    const logged = await startTrustedEmulator(log);
    try {
      seedEndpoint(logged, { name: 'ep-trace', deployments: { blue: { traffic: 100 }, green: { traffic: 0 } } });
      const payloadFile = path.join(path.dirname(log), 'payload.json');
      fs.writeFileSync(payloadFile, PAYLOAD);
      const connection = emulatorConnection(logged, 'spnKey');
      const run = await runBundle('SmokeTest', {
        inputs: {
          target: 'onlineEndpoint',
          resourceGroupName: logged.info.resourceGroup,
          workspaceName: logged.info.workspace,
          endpointName: 'ep-trace',
          deploymentName: 'green',
          payloadFile,
          requestCount: '2',
        },
        connection,
      });
      assertSucceeded(run);
      const scoring = readTraffic(log).filter((l) => l.url.endsWith('/inference/ep-trace/score'));
      assert.equal(scoring.length, 3, 'one readiness request and two measured ones');
      const traceIds = new Set(scoring.map((l) => /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(l.requestHeaders.traceparent)?.[1]));
      assert.equal(traceIds.size, 1, 'one trace for the run');
      assert.ok(!traceIds.has(undefined));
      assert.equal(new Set(scoring.map((l) => l.requestHeaders.traceparent)).size, 3, 'a span per request');
      assert.ok(scoring.every((l) => l.requestHeaders['azureml-model-deployment'] === 'green' && l.requestHeaders.authorization === '***'));
      assert.deepEqual(scoring[0].requestBody, JSON.parse(PAYLOAD));
    } finally {
      await logged.stop();
    }
  });

  describe('failures are clear errors', () => {
    it('a request past the per-request timeout', async () => {
      emulator.faults.add({ path: '/inference/ep-key/score', fault: { type: 'latency', ms: 2500 }, times: 1, after: 1 });
      const connection = emulatorConnection(emulator, 'spnKey');
      const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key', { timeoutSeconds: '1', assertions: '' }), connection });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /status is 200 \(request 1: ETIMEDOUT: no complete answer within 1000 ms\)/);
      assert.equal(run.outputs.statusCode, '0');
    });

    it('wrong status', async () => {
      const run = await runBundle('SmokeTest', {
        inputs: { target: 'url', scoringUri: `${emulator.url}/inference/ep-key/score`, payload: PAYLOAD, authMode: 'none', readyDeadlineSeconds: '0' },
      });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /status is 200 \(request 1: HTTP 401 .*Unauthorized/);
      assert.equal(run.outputs.statusCode, '401');
    });

    it('failed assertion', async () => {
      const connection = emulatorConnection(emulator, 'spnKey');
      const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key', { assertions: 'len($.predictions) == 3' }), connection });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /len\(\$\.predictions\) == 3 \(request 1: got 2\)/);
      assert.match(run.attachments[0]?.content ?? '', /\| len\(\$\.predictions\) == 3 \| \*\*fail\*\* \|/);
    });

    it('endpoint never ready', async () => {
      const run = await runBundle('SmokeTest', {
        inputs: { target: 'url', scoringUri: 'http://127.0.0.1:9/score', payload: PAYLOAD, readyDeadlineSeconds: '2' },
      });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /was not ready within 2 s \(\d+ attempt\(s\)\); last answer: ECONNREFUSED/);
    });

    it('unknown endpoint', async () => {
      const connection = emulatorConnection(emulator, 'spnKey');
      const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-missing'), connection });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /Input 'endpointName': online endpoint 'ep-missing' does not exist in workspace 'mlw-emulator'/);
    });

    it('latency budget exceeded', async () => {
      emulator.faults.add({ path: '/inference/ep-key/score', fault: { type: 'latency', ms: 150 }, times: 10 });
      const connection = emulatorConnection(emulator, 'spnKey');
      const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key', { requestCount: '3', maxLatencyMs: '50' }), connection });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /p95 latency <= 50 ms \(p95 \d+(\.\d)? ms over 3 requests\)/);
      assert.ok(Number(run.outputs.latencyP95Ms) > 50, 'the injected 150 ms latency is over the budget');
    });

    it('bad input names the input and the allowed values, with no Azure call', async () => {
      const log = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'traffic-')), 'log.jsonl');
      const logged = await startTrustedEmulator(log);
      try {
        const connection = emulatorConnection(logged, 'spnKey');
        const run = await runBundle('SmokeTest', { inputs: endpointInputs('ep-key', { authMode: 'password' }), connection });
        assert.equal(run.result, 'Failed');
        assert.equal(run.message, "Input 'authMode': 'password' is not allowed; allowed values: auto, key, amlToken, aadToken, none.");
        assert.ok(!fs.existsSync(log) || fs.readFileSync(log, 'utf8') === '', 'no request reached Azure');
      } finally {
        await logged.stop();
      }
    });
  });
});

async function fetchArm(emulator: Emulator, method: string, pathAndQuery: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const token = emulator.state.issueToken(emulator.info.clientId, 'https://management.azure.com/.default').token;
  const res = await fetch(`${emulator.url}${pathAndQuery}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
