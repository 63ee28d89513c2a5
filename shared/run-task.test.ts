import { strict as assert } from 'node:assert';
import { systemClock } from './clock';
import { AzureError, CheckFailedError, InputError } from './errors';
import { FakePlatform } from './platform/fake-platform';
import type { Platform } from './platform/platform';
import { runTask } from './run-task';
import type { TaskDeps } from './task-deps';

function deps(platform: Platform): TaskDeps {
  return { platform, clock: systemClock, arm: () => assert.fail('no Azure client expected') };
}

describe('runTask', () => {
  it('reads inputs, runs, and reports the run result', async () => {
    const platform = new FakePlatform({ inputs: { name: 'x' } });
    await runTask(
      (i) => ({ name: i.requiredString('name') }),
      async (p: { name: string }, d) => {
        d.platform.setOutput('echo', p.name);
        return { outcome: 'SucceededWithIssues', message: 'soft' };
      },
      { platform, deps },
    );
    assert.equal(platform.outputs.get('echo'), 'x');
    assert.deepEqual(platform.result, { outcome: 'SucceededWithIssues', message: 'soft' });
  });

  it('defaults to Succeeded', async () => {
    const platform = new FakePlatform();
    await runTask(
      () => ({}),
      async () => undefined,
      { platform, deps },
    );
    assert.equal(platform.result?.outcome, 'Succeeded');
  });

  for (const err of [new InputError('x', 'bad.'), new AzureError('Get thing failed: HTTP 404'), new CheckFailedError('assertion failed')]) {
    it(`fails with the message of a ${err.name}, stack only at debug`, async () => {
      const platform = new FakePlatform();
      await runTask(
        () => ({}),
        async () => Promise.reject(err),
        { platform, deps },
      );
      assert.deepEqual(platform.result, { outcome: 'Failed', message: err.message });
      assert.ok(platform.logs.some((l) => l.level === 'debug' && l.message.includes('at ')));
      assert.ok(!platform.logs.some((l) => l.level !== 'debug' && l.message.includes('at ')));
    });
  }

  it('reports input errors from readInputs without running', async () => {
    const platform = new FakePlatform();
    let ran = false;
    await runTask(
      (i) => i.requiredString('needed'),
      async () => void (ran = true),
      { platform, deps },
    );
    assert.equal(ran, false);
    assert.equal(platform.result?.message, "Input 'needed': is required but has no value.");
  });

  it('labels unexpected errors as such', async () => {
    const platform = new FakePlatform();
    await runTask(
      () => ({}),
      async () => Promise.reject(new TypeError('x is undefined')),
      { platform, deps },
    );
    assert.equal(platform.result?.message, 'Unexpected error: x is undefined');
  });
});
