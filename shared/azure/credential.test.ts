import { strict as assert } from 'node:assert';
import type { Emulator } from '../../emulator/server';
import { emulatorConnection, type Scheme } from '../../scripts/lib/emulator-connection';
import { startTrustedEmulator } from '../../emulator/seed';
import { FakePlatform } from '../platform/fake-platform';
import { TaskInputs } from '../platform/inputs';
import { readArmConnection } from './connection';
import { createCredential } from './credential';

describe('createCredential against the emulator token endpoints', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  async function tokenFor(scheme: Scheme): Promise<string> {
    const conn = emulatorConnection(emulator, scheme, `conn-${scheme}`);
    const saved = { ...process.env };
    Object.assign(process.env, conn.env);
    try {
      const endpoints = { [conn.id]: conn.endpoint, SYSTEMVSSCONNECTION: { scheme: 'OAuth', auth: { AccessToken: emulator.state.systemAccessToken } } };
      const inputs = new TaskInputs(new FakePlatform({ inputs: { azureSubscription: conn.id }, endpoints }));
      const credential = createCredential(readArmConnection(inputs));
      const token = await credential.getToken('https://management.core.windows.net/.default');
      assert.ok(token?.token);
      return token.token;
    } finally {
      process.env = saved;
    }
  }

  for (const scheme of ['spnKey', 'spnCertificate', 'wif', 'msi'] as Scheme[]) {
    it(`gets an ARM token with ${scheme}`, async () => {
      const token = await tokenFor(scheme);
      const issued = emulator.state.tokens.get(token);
      assert.ok(issued, 'the emulator issued this token');
      const expectedClient = scheme === 'msi' ? emulator.state.managedIdentityClientId : emulator.info.clientId;
      assert.equal(issued.clientId, expectedClient);
    });
  }

  it('fails clearly on a wrong client secret', async () => {
    const conn = emulatorConnection(emulator, 'spnKey');
    (conn.endpoint.auth as Record<string, string>).serviceprincipalkey = 'wrong';
    const inputs = new TaskInputs(new FakePlatform({ inputs: { azureSubscription: conn.id }, endpoints: { [conn.id]: conn.endpoint } }));
    await assert.rejects(
      createCredential(readArmConnection(inputs)).getToken('https://management.azure.com/.default'),
      /AADSTS7000215: Invalid client secret provided/,
    );
  });

  it('rejects a federated token for a connection the app does not trust', async () => {
    const conn = emulatorConnection(emulator, 'wif', 'conn-trusted');
    const saved = { ...process.env };
    Object.assign(process.env, conn.env);
    try {
      const endpoints = { untrusted: conn.endpoint, SYSTEMVSSCONNECTION: { scheme: 'OAuth', auth: { AccessToken: emulator.state.systemAccessToken } } };
      const inputs = new TaskInputs(new FakePlatform({ inputs: { azureSubscription: 'untrusted' }, endpoints }));
      await assert.rejects(createCredential(readArmConnection(inputs)).getToken('https://management.azure.com/.default'), /AADSTS700027/);
    } finally {
      process.env = saved;
    }
  });
});
