import { strict as assert } from 'node:assert';
import { InputError } from '../errors';
import { FakePlatform, type FakeEndpoint } from '../platform/fake-platform';
import { TaskInputs } from '../platform/inputs';
import { readWorkspace } from '../aml/workspace';
import { readArmConnection } from './connection';

const DATA = {
  subscriptionId: 'sub-1',
  environmentAuthorityUrl: 'https://login.microsoftonline.us/',
  activeDirectoryServiceEndpointResourceId: 'https://management.core.usgovcloudapi.net/',
};

function read(endpoint: FakeEndpoint, extra: Record<string, FakeEndpoint> = {}, inputs: Record<string, string> = {}) {
  const platform = new FakePlatform({ inputs: { azureSubscription: 'c1', ...inputs }, endpoints: { c1: endpoint, ...extra } });
  const ti = new TaskInputs(platform);
  return { platform, inputs: ti, connection: () => readArmConnection(ti) };
}

describe('readArmConnection', () => {
  it('takes the cloud from the connection data (sovereign clouds by data)', () => {
    const { connection, platform } = read({
      url: 'https://management.usgovcloudapi.net/',
      scheme: 'ServicePrincipal',
      auth: { tenantid: 't', serviceprincipalid: 'app', authenticationType: 'spnKey', serviceprincipalkey: 'k-123' },
      data: DATA,
    });
    const c = connection();
    assert.equal(c.armUrl, 'https://management.usgovcloudapi.net');
    assert.equal(c.authorityHost, 'https://login.microsoftonline.us');
    assert.equal(c.scope, 'https://management.core.usgovcloudapi.net/.default');
    assert.deepEqual(c.auth, { kind: 'servicePrincipalSecret', tenantId: 't', clientId: 'app', clientSecret: 'k-123' });
    assert.ok(platform.secrets.has('k-123'));
  });

  it('defaults the authority to the public cloud and the scope to the ARM origin (Azure Stack style data)', () => {
    const { connection } = read({
      url: 'https://management.local.azurestack.external',
      scheme: 'ServicePrincipal',
      auth: { tenantid: 't', serviceprincipalid: 'a', serviceprincipalkey: 'k' },
      data: { subscriptionId: 's' },
    });
    const c = connection();
    assert.equal(c.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(c.scope, 'https://management.local.azurestack.external/.default');
  });

  it('reads certificate connections and masks every key line', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    const { connection, platform } = read({
      url: 'https://management.azure.com/',
      auth: { tenantid: 't', serviceprincipalid: 'a', authenticationType: 'spnCertificate', servicePrincipalCertificate: pem },
      data: { subscriptionId: 's' },
    });
    assert.equal(connection().auth.kind, 'servicePrincipalCertificate');
    assert.ok(platform.secrets.has('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'));
    assert.ok(platform.secrets.has('BKcwggSjAgEAAoIBAQC7'));
  });

  it('reads workload identity federation with the job token', () => {
    const { connection, platform } = read(
      {
        url: 'https://management.azure.com/',
        scheme: 'WorkloadIdentityFederation',
        auth: { tenantid: 't', serviceprincipalid: 'a' },
        data: { subscriptionId: 's' },
      },
      { SYSTEMVSSCONNECTION: { scheme: 'OAuth', auth: { AccessToken: 'job-token' } } },
    );
    assert.deepEqual(connection().auth, { kind: 'workloadIdentityFederation', tenantId: 't', clientId: 'a', systemAccessToken: 'job-token' });
    assert.ok(platform.secrets.has('job-token'));
  });

  it('explains a missing job token for workload identity federation', () => {
    const { connection } = read({
      url: 'https://management.azure.com/',
      scheme: 'WorkloadIdentityFederation',
      auth: { tenantid: 't', serviceprincipalid: 'a' },
      data: { subscriptionId: 's' },
    });
    assert.throws(connection, /job access token \(SYSTEMVSSCONNECTION\)/);
  });

  it('reads managed identity with an optional client id', () => {
    const { connection } = read({
      url: 'https://management.azure.com/',
      scheme: 'ManagedServiceIdentity',
      auth: {},
      data: { subscriptionId: 's', msiclientId: 'uami' },
    });
    assert.deepEqual(connection().auth, { kind: 'managedIdentity', clientId: 'uami' });
  });

  it('rejects unsupported schemes and missing fields, naming the input', () => {
    const publish = read({ url: 'https://management.azure.com/', scheme: 'PublishProfile', auth: {}, data: { subscriptionId: 's' } });
    assert.throws(
      publish.connection,
      (e: unknown) =>
        e instanceof InputError &&
        /Input 'azureSubscription': authentication scheme 'PublishProfile' is not supported; supported: ServicePrincipal/.test(e.message),
    );
    const noKey = read({
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      auth: { tenantid: 't', serviceprincipalid: 'a' },
      data: { subscriptionId: 's' },
    });
    assert.throws(noKey.connection, /has no service principal key \('serviceprincipalkey'\)/);
    const missing = new TaskInputs(new FakePlatform({ inputs: { azureSubscription: 'nope' } }));
    assert.throws(() => readArmConnection(missing), /service connection 'nope' was not found/);
  });

  it('falls back to a workspace-scoped connection for resource group and workspace', () => {
    const { connection, inputs } = read({
      url: 'https://management.azure.com/',
      auth: { tenantid: 't', serviceprincipalid: 'a', serviceprincipalkey: 'k' },
      data: { subscriptionId: 's', scopeLevel: 'AzureMLWorkspace', resourceGroupName: 'rg-ml', mlWorkspaceName: 'ws-ml' },
    });
    assert.deepEqual(readWorkspace(inputs, connection()), { subscriptionId: 's', resourceGroup: 'rg-ml', workspace: 'ws-ml' });
    const plain = read(
      { url: 'https://management.azure.com/', auth: { tenantid: 't', serviceprincipalid: 'a', serviceprincipalkey: 'k' }, data: { subscriptionId: 's' } },
      {},
      { resourceGroupName: 'rg' },
    );
    assert.throws(
      () => readWorkspace(plain.inputs, plain.connection()),
      /Input 'workspaceName': is required unless the service connection is scoped to a Machine Learning workspace/,
    );
  });
});
