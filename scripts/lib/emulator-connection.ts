import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import type { FakeEndpoint } from '../../shared/platform/fake-platform';
import type { SimulatedEndpoint } from './server-task-simulator';

export type Scheme = 'spnKey' | 'spnCertificate' | 'wif' | 'msi';

export interface TestConnection {
  id: string;
  endpoint: FakeEndpoint;
  /** Environment the agent provides for this scheme (OIDC request URI, identity endpoint, job token). */
  env: Record<string, string>;
  /** Secret values that must never be printed. */
  secrets: string[];
}

let certPem: string | undefined;

/** A service-principal certificate (key + certificate in one PEM), as the connection stores it. */
export function spnCertificatePem(): string {
  if (!certPem) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spn-cert-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`, '-subj', '/CN=spn'],
      { stdio: 'pipe' },
    );
    certPem = fs.readFileSync(`${dir}/k.pem`, 'utf8') + fs.readFileSync(`${dir}/c.pem`, 'utf8');
  }
  return certPem;
}

/**
 * An `azurerm` service connection to the emulator for one auth scheme, registering what the emulator needs
 * (certificate, federated credential) on its default app.
 */
export function emulatorConnection(emulator: Emulator, scheme: Scheme, id = 'conn-1'): TestConnection {
  const { info, state } = emulator;
  const client = state.defaultClient;
  const data: Record<string, string> = {
    subscriptionId: info.subscriptionId,
    subscriptionName: 'Emulated subscription',
    environment: 'AzureCloud',
    environmentAuthorityUrl: info.authorityHost,
    activeDirectoryServiceEndpointResourceId: 'https://management.core.windows.net/',
  };
  const env: Record<string, string> = { AML_TASKS_SIMULATED_TIME_SCALE: String(info.timeScale) };
  const secrets: string[] = [];
  let auth: Record<string, string> = {};
  let authScheme = 'ServicePrincipal';
  if (scheme === 'spnKey') {
    auth = { tenantid: info.tenantId, serviceprincipalid: client.clientId, authenticationType: 'spnKey', serviceprincipalkey: info.clientSecret };
    secrets.push(info.clientSecret);
  } else if (scheme === 'spnCertificate') {
    const pem = spnCertificatePem();
    client.certificatePem = pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----'));
    auth = { tenantid: info.tenantId, serviceprincipalid: client.clientId, authenticationType: 'spnCertificate', servicePrincipalCertificate: pem };
    secrets.push(pem.split('\n').find((l) => l.length > 40 && !l.startsWith('-----') && pem.indexOf(l) < pem.indexOf('-----END PRIVATE KEY')) as string);
  } else if (scheme === 'wif') {
    authScheme = 'WorkloadIdentityFederation';
    client.federatedConnections = [...(client.federatedConnections ?? []), id];
    auth = { tenantid: info.tenantId, serviceprincipalid: client.clientId };
    env.SYSTEM_OIDCREQUESTURI = `${emulator.url}/ado/project-1/_apis/distributedtask/hubs/build/plans/plan-1/jobs/job-1/oidctoken`;
    secrets.push(state.systemAccessToken);
  } else {
    authScheme = 'ManagedServiceIdentity';
    data.msiclientId = state.managedIdentityClientId;
    env.IDENTITY_ENDPOINT = `${emulator.url}/msi/token`;
    env.IDENTITY_HEADER = state.identityHeader;
    secrets.push(state.identityHeader);
  }
  return { id, endpoint: { url: info.armUrl, scheme: authScheme, auth, data }, env, secrets };
}

/** How a server task reaches the emulator for connection `id`: its ARM URL, subscription, and a fresh ARM token. */
export function emulatorServerEndpoint(emulator: Emulator): (id: string) => SimulatedEndpoint {
  const { info } = emulator;
  return (id) => ({
    id,
    url: info.armUrl,
    data: { subscriptionId: info.subscriptionId },
    token: () => emulator.state.issueToken(info.clientId, 'https://management.azure.com/.default').token,
  });
}
