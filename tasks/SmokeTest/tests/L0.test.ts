import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { runL0 } from '../../../test/support/l0';

describe('SmokeTest L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);
  let server: ChildProcess;
  let scoringUri: string;
  const runScenario = (scenario: string) => runL0('SmokeTest', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario, L0_SCORING_URI: scoringUri });
  before(async () => {
    // runAsync blocks this process (spawnSync), so the scoring server must live in a process of its own.
    const scoring = JSON.stringify(path.join(REPO_ROOT, 'out', 'emulator', 'runtime', 'scoring.js'));
    server = spawn(process.execPath, ['-e', `require(${scoring}).startEchoServer({ model: 'l0' }).then((s) => console.log(s.port))`]);
    const port = await new Promise<string>((resolve) => server.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));
    scoringUri = `http://127.0.0.1:${port}/score`;
  });
  after(() => server.kill());

  it('succeeds against a scoring URL and sets its outputs', async () => {
    const tr = await runScenario('success');
    assert.ok(tr.succeeded, tr.stdout);
    assert.equal(tr.errorIssues.length, 0);
    assert.ok(tr.stdOutContained('##vso[task.setvariable variable=statusCode;isOutput=true;issecret=false;]200'), tr.stdout);
    assert.ok(tr.stdOutContained('PASS len($.predictions) == 2'));
    assert.ok(tr.stdOutContained('##vso[task.addattachment type=Distributedtask.Core.Summary;name=Smoke test;]'));
  });

  it('fails on a missing payload, naming the inputs', async () => {
    const tr = await runScenario('missingPayload');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'payload': a request body is required: set 'payload' (inline JSON) or 'payloadFile'."), tr.stdout);
  });

  it('fails on a malformed assertion, naming its line', async () => {
    const tr = await runScenario('badAssertion');
    assert.ok(tr.failed);
    assert.ok(
      tr.createdErrorIssue("Input 'assertions': line 1 '$.predictions': expected an operator (== != <= >= < > contains exists) after the path"),
      tr.stdout,
    );
  });

  it('fails on a non-numeric request count', async () => {
    const tr = await runScenario('badCount');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'requestCount': 'many' is not valid; expected a whole number between 1 and 10000."), tr.stdout);
  });
});
