import { strict as assert } from 'node:assert';
import type { FaultKind } from '../../emulator/kit/faults';
import type { Scheme } from '../../scripts/lib/emulator-connection';
import { SCENARIOS, ScenarioBed } from '../support/scenarios';

/** Where each connection scheme gets its tokens: Entra's token endpoint, Azure DevOps' OIDC route, the identity endpoint. */
const TOKEN_PATHS: Record<Scheme, RegExp> = {
  spnKey: /\/oauth2\/v2\.0\/token$/,
  spnCertificate: /\/oauth2\/v2\.0\/token$/,
  wif: /\/oidctoken$|\/oauth2\/v2\.0\/token$/,
  msi: /^\/msi\/token$/,
};

const TRANSIENT: [string, FaultKind, number][] = [
  ['503 twice', { type: 'status', status: 503, retryAfterMs: 20 }, 2],
  ['429 with Retry-After twice', { type: 'status', status: 429, retryAfterMs: 20 }, 2],
  ['a connection reset', { type: 'reset' }, 1],
  ['a lost response', { type: 'lostResponse' }, 1],
];

describe('token endpoints under faults, for every connection scheme', function () {
  this.timeout(300_000);
  const bed = new ScenarioBed();
  before(() => bed.start());
  after(() => bed.stop());

  for (const scheme of Object.keys(TOKEN_PATHS) as Scheme[]) {
    for (const [label, fault, times] of TRANSIENT) {
      it(`${scheme}: ${label} on the token request is retried and the task succeeds`, async () => {
        bed.emulator.faults.add({ path: TOKEN_PATHS[scheme], fault, times });
        try {
          const run = await bed.run('SmokeTest', SCENARIOS.SmokeTest(''), scheme);
          assert.equal(run.result, 'Succeeded', run.stdout.slice(-2000));
          assert.deepEqual(bed.emulator.faults.hits(), [times], 'every injected fault was met');
        } finally {
          bed.emulator.faults.clear();
        }
      });
    }

    it(`${scheme}: a token endpoint that keeps failing fails the task with a message naming the connection`, async () => {
      bed.emulator.faults.add({ path: TOKEN_PATHS[scheme], fault: { type: 'status', status: 503 }, times: 1_000 });
      try {
        const run = await bed.run('SmokeTest', SCENARIOS.SmokeTest(''), scheme);
        assert.equal(run.result, 'Failed');
        assert.match(
          run.message ?? '',
          new RegExp(`could not get an Azure token: service connection 'bed-${scheme}' \\(\\w+\\) got no token from `),
          run.message,
        );
        assert.doesNotMatch(run.message ?? '', /\[object Object\]|Not Available/, 'no empty placeholders');
      } finally {
        bed.emulator.faults.clear();
      }
    });
  }
});
