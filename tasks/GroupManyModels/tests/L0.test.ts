import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/run-bundle';
import { runL0 } from '../../../test/support/l0';

const runScenario = (scenario: string) =>
  runL0('GroupManyModels', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario, L0_CODE: path.join(REPO_ROOT, 'samples', 'diabetes', 'src') });

describe('GroupManyModels L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);

  for (const [scenario, message] of [
    ['badTarget', "Input 'target': 'aks' is not allowed; allowed values: aci, kubernetes, managed."],
    ['badSize', "Input 'maxContainerSize': '5000' is not valid; expected a whole number between 1 and 1000."],
    ['badPrefix', "Input 'servicePrefix': 'Many_Models' is not valid: 1-20 lowercase letters, digits and single hyphens, starting with a letter."],
    ['badFilter', "Input 'modelTagFilter': 'a=b=c' is not a tag filter; use key=value or key, separated by commas, e.g. ModelType=many-models."],
    ['noCompute', "Input 'computeName': is required but has no value."],
    ['repeatedTag', "Input 'splittingTags': 'Brand,Brand' names a tag twice."],
  ]) {
    it(`fails on ${scenario}, naming the input`, async () => {
      const tr = await runScenario(scenario);
      assert.ok(tr.failed);
      assert.ok(tr.createdErrorIssue(message), tr.stdout);
    });
  }
});
