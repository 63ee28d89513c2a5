import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { armCall, endpointPath } from '../../test/support/arm';
import { startTrustedEmulator, newTrafficLog } from '../seed';
import type { Emulator } from '../server';

describe('emulator traffic log', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let log: string;
  before(async () => {
    log = newTrafficLog();
    emulator = await startTrustedEmulator(log);
  });
  after(() => emulator.stop());

  const call = (method: string, pathAndQuery: string, body?: unknown) => armCall(emulator, method, pathAndQuery, body);

  it('masks secrets by value wherever they stand: SAS signatures, secure values, registry passwords, webhook tokens', async () => {
    const ws = endpointPath(emulator, 'x').replace('/onlineEndpoints/x', '');
    const upload = await call('POST', `${ws}/codes/masked/versions/1/startPendingUpload?api-version=2024-04-01`, {
      pendingUploadType: 'TemporaryBlobReference',
    });
    const sasUri = String(upload.body?.blobReferenceForConsumption.credential.sasUri);
    const sig = decodeURIComponent(/sig=([^&]+)/.exec(sasUri)?.[1] ?? '');
    const group = `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/masked-group`;
    const secure = 'secure-value-7f3a9c2e51';
    const password = 'registry-password-4b8d06';
    await call('PUT', `${group}?api-version=2023-05-01`, {
      location: 'westeurope',
      properties: {
        osType: 'Linux',
        containers: [
          {
            name: 'model',
            properties: {
              image: 'contoso.azurecr.io/m:1',
              resources: { requests: { cpu: 1, memoryInGB: 1 } },
              environmentVariables: [{ name: 'API_KEY_VALUE', secureValue: secure }],
            },
          },
        ],
        imageRegistryCredentials: [{ server: 'contoso.azurecr.io', username: 'contoso', password }],
      },
    });
    const authToken = 'ado-job-token-0c1d2e3f4a5b';
    await call('PUT', `${ws}/jobs/masked-job?api-version=2024-10-01`, {
      properties: {
        jobType: 'Pipeline',
        jobs: {},
        displayName: `echo ${authToken}`,
        notificationSetting: { webhooks: { hook: { webhookType: 'AzureDevOps', AuthToken: authToken } } },
      },
    });
    const text = fs.readFileSync(log, 'utf8');
    assert.ok(text.includes('startPendingUpload') && text.includes('masked-group') && text.includes('masked-job'), 'the calls are logged');
    for (const [what, secret] of [
      ['SAS signature', sig],
      ['secure value', secure],
      ['registry password', password],
      ['webhook token', authToken],
    ]) {
      assert.ok(secret.length > 8, what);
      assert.ok(!text.includes(secret) && !text.includes(encodeURIComponent(secret)), `${what} in the traffic log`);
    }
    assert.match(text, /"displayName":"echo \*\*\*"/, 'a secret inside another value is replaced too');
  });
});
