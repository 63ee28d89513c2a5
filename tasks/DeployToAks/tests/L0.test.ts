import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { runL0 } from '../../../test/support/l0';

const runScenario = (scenario: string) =>
  runL0('DeployToAks', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario, L0_CODE: path.join(REPO_ROOT, 'samples', 'diabetes', 'src') });

describe('DeployToAks L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);

  for (const [scenario, message] of [
    ['badComputeType', "Input 'computeType': 'aci' is not allowed; allowed values: kubernetes, managed."],
    ['badSteps', "Input 'canarySteps': '10,50' is not valid; expected rising whole percentages ending at 100, e.g. 10,50,100."],
  ]) {
    it(`fails on ${scenario}, naming the input`, async () => {
      const tr = await runScenario(scenario);
      assert.ok(tr.failed);
      assert.ok(tr.createdErrorIssue(message), tr.stdout);
    });
  }
});
