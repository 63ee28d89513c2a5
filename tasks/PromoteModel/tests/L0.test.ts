import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { runL0 } from '../../../test/support/l0';

const runScenario = (scenario: string) => runL0('PromoteModel', path.join(__dirname, 'l0-scenario.js'), { L0_SCENARIO: scenario });

describe('PromoteModel L0 (mock runner on the tsc output)', function () {
  this.timeout(30_000);

  it('requires the registry', async () => {
    const tr = await runScenario('noRegistry');
    assert.ok(tr.failed);
    assert.ok(
      tr.errorIssues.some((e) => e.startsWith("Input 'registryName'")),
      tr.stdout,
    );
  });

  it('refuses a registry name with a space, saying what a name may hold', async () => {
    const tr = await runScenario('badRegistry');
    assert.ok(tr.failed);
    assert.ok(
      tr.createdErrorIssue("Input 'registryName': 'my registry' is not a valid name: letters, digits, '-', '_' and '.', starting with a letter or digit."),
      tr.stdout,
    );
  });

  it('refuses a target resource group without a target workspace', async () => {
    const tr = await runScenario('orphanGroup');
    assert.ok(tr.failed);
    assert.ok(tr.createdErrorIssue("Input 'targetWorkspaceName': is required when 'targetResourceGroupName' is set."), tr.stdout);
  });
});
