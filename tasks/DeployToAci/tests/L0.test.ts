import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { runL0 } from '../../../test/support/l0';

const runScenario = (scenario: string) => runL0('DeployToAci', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario });

describe('DeployToAci L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);

  for (const [scenario, message] of [
    [
      'badName',
      "Input 'containerGroupName': 'Diabetes QA' is not a valid container group name: 1-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
    ],
    ['badSource', "Input 'imageSource': 'dockerfile' is not allowed; allowed values: modelPackage, image."],
    ['badCpu', "Input 'cpu': '8' is not valid; expected a number greater than 0 and at most 4."],
  ]) {
    it(`fails on ${scenario}, naming the input`, async () => {
      const tr = await runScenario(scenario);
      assert.ok(tr.failed);
      assert.ok(tr.createdErrorIssue(message), tr.stdout);
    });
  }
});
