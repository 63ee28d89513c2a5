import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { runL0 } from '../../../test/support/l0';

const runScenario = (scenario: string) => runL0('EvaluateAndRegister', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario });

describe('EvaluateAndRegister L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);

  it('fails on a malformed rule, naming its line', async () => {
    const tr = await runScenario('badRule');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'rules': line 2 'r2 higher threshold=high': threshold must be a number, not 'high'"), tr.stdout);
  });

  it('fails on an unknown champion, listing the allowed forms', async () => {
    const tr = await runScenario('badChampion');
    assert.ok(tr.failed);
    assert.ok(
      tr.createdErrorIssue("Input 'champion': 'production' is not allowed; allowed values: tag:<key>=<value> (e.g. tag:lifecycle=production), latest, none."),
      tr.stdout,
    );
  });

  it('fails on an unknown onNotBetter, listing the allowed values', async () => {
    const tr = await runScenario('badOnNotBetter');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'onNotBetter': 'ignore' is not allowed; allowed values: skip, fail, registerOnly."), tr.stdout);
  });
});
