import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEchoServer } from '../../../emulator/runtime/scoring';
import type { Clock } from '../../../shared/clock';
import { CheckFailedError, TimeoutError } from '../../../shared/errors';
import { FakePlatform } from '../../../shared/platform/fake-platform';
import { TaskInputs } from '../../../shared/platform/inputs';
import type { TaskDeps } from '../../../shared/task-deps';
import { readInputs } from '../src/inputs';
import { run } from '../src/run';

function setup(inputs: Record<string, string>, clock?: Clock) {
  const platform = new FakePlatform({ inputs });
  const deps: TaskDeps = { platform, clock: clock ?? { now: Date.now, sleep: async () => undefined }, arm: () => assert.fail('no ARM call expected') };
  return { platform, deps, params: readInputs(new TaskInputs(platform)) };
}

describe('SmokeTest run() in-process', () => {
  let server: Awaited<ReturnType<typeof startEchoServer>>;
  let uri: string;
  before(async () => {
    server = await startEchoServer({ model: 'unit' });
    uri = `http://127.0.0.1:${server.port}/score`;
  });
  after(() => server.stop());

  it('reports outputs, a summary table and JUnit, and keeps the API key out of everything it shows', async () => {
    const junit = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'junit-')), 'out', 'smoke.xml');
    const { platform, deps, params } = setup({
      target: 'url',
      scoringUri: uri,
      apiKey: 'super-secret-key-1',
      payload: '{"data": [[1, 1]]}',
      requestCount: '4',
      assertions: '$.predictions[0] == 2',
      junitFile: junit,
    });
    const result = await run(params, deps);
    assert.equal(result.outcome, 'Succeeded');
    assert.equal(platform.outputs.get('statusCode'), '200');
    assert.ok(Number(platform.outputs.get('latencyP95Ms')) >= Number(platform.outputs.get('latencyP50Ms')));
    const md = platform.summaries[0].markdown;
    assert.match(md, /### Smoke test passed/);
    assert.match(md, /\| Requests \| 4 \(200: 4\) \|/);
    assert.match(md, /\| \$\.predictions\[0\] == 2 \| pass \| holds on every response \|/);
    assert.ok(platform.secrets.has('super-secret-key-1'));
    assert.ok(!platform.visibleText().includes('super-secret-key-1'));
    assert.match(fs.readFileSync(junit, 'utf8'), /<testsuites tests="2" failures="0"/);
  });

  it('writes the report before failing on a check', async () => {
    const { platform, deps, params } = setup({ target: 'url', scoringUri: uri, payload: '{"data": [[1, 1]]}', expectedStatus: '201' });
    await assert.rejects(run(params, deps), (e: unknown) => e instanceof CheckFailedError && /status is 201 \(request 1: HTTP 200/.test(e.message));
    assert.match(platform.summaries[0].markdown, /### Smoke test failed/);
    assert.equal(platform.outputs.get('statusCode'), '200');
  });

  it('waits with growing backoff until the readiness deadline', async () => {
    let now = 0;
    const waits: number[] = [];
    const clock: Clock = { now: () => now, sleep: async (ms) => void (waits.push(ms), (now += ms)) };
    const { platform, deps, params } = setup({ target: 'url', scoringUri: 'http://127.0.0.1:9/score', payload: '{}', readyDeadlineSeconds: '20' }, clock);
    await assert.rejects(
      run(params, deps),
      (e: unknown) => e instanceof TimeoutError && /was not ready within 20 s \(6 attempt\(s\)\); last answer: ECONNREFUSED/.test(e.message),
    );
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 5000]);
    assert.equal(platform.logs.filter((l) => l.message.startsWith('Not ready yet')).length, 5);
  });

  it('rejects inputs that cannot work together', () => {
    const bad = (inputs: Record<string, string>, pattern: RegExp) => assert.throws(() => readInputs(new TaskInputs(new FakePlatform({ inputs }))), pattern);
    bad({ target: 'url', scoringUri: uri, payload: '{}', authMode: 'amlToken' }, /Input 'authMode': amlToken is available only with target 'onlineEndpoint'/);
    bad({ target: 'url', scoringUri: uri, payload: '{}', authMode: 'key' }, /Input 'apiKey': authMode 'key' needs the key/);
    bad({ target: 'url', scoringUri: 'ftp://x/score', payload: '{}' }, /Input 'scoringUri': 'ftp:\/\/x\/score' is not an http or https URL/);
    bad({ target: 'url', scoringUri: uri, payload: '{not json' }, /Input 'payload': the request body is not valid JSON/);
    bad({ target: 'url', scoringUri: uri, payload: '{}', expectedStatus: '2xx' }, /Input 'expectedStatus': '2xx' is not valid/);
    bad({ target: 'url', scoringUri: uri, payload: '{}', traceparent: '01-abc' }, /Input 'traceparent': '01-abc' is not valid/);
    bad(
      { target: 'endpoint', payload: '{}' },
      /Input 'target': 'endpoint' is not allowed; allowed values: onlineEndpoint, containerGroup, url, batchEndpoint\./,
    );
    bad({ target: 'onlineEndpoint', payload: '{}' }, /Input 'azureSubscription': is required/);
  });
});
