import { InputError } from '../errors';
import type { TaskInputs } from '../platform/inputs';

export type ConnectionAuth =
  | { kind: 'servicePrincipalSecret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'servicePrincipalCertificate'; tenantId: string; clientId: string; certificatePem: string }
  | { kind: 'workloadIdentityFederation'; tenantId: string; clientId: string; systemAccessToken: string }
  | { kind: 'managedIdentity'; clientId?: string };

/** An `azurerm` service connection, with its cloud taken from its own data (no hard-coded cloud names). */
export interface ArmConnection {
  id: string;
  /** ARM base URL without a trailing slash, e.g. https://management.azure.com */
  armUrl: string;
  /** Entra authority host, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** Token scope for ARM, e.g. https://management.core.windows.net/.default */
  scope: string;
  subscriptionId: string;
  auth: ConnectionAuth;
  /** Set when the connection is scoped to a Machine Learning workspace. */
  resourceGroup?: string;
  workspace?: string;
}

const SUPPORTED_SCHEMES = 'ServicePrincipal (secret or certificate), WorkloadIdentityFederation, ManagedServiceIdentity';

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Reads the ARM service connection named by `inputName` and registers its secrets before anything prints. */
export function readArmConnection(inputs: TaskInputs, inputName = 'azureSubscription'): ArmConnection {
  const platform = inputs.platform;
  const id = inputs.requiredString(inputName);
  const url = platform.endpointUrl(id);
  if (!url) throw new InputError(inputName, `service connection '${id}' was not found or has no URL.`);
  const data = (key: string) => platform.endpointDataParameter(id, key)?.trim() || undefined;
  const auth0 = platform.endpointAuth(id);
  const param = (key: string) => {
    const hit = Object.keys(auth0?.parameters ?? {}).find((k) => k.toLowerCase() === key.toLowerCase());
    return (hit === undefined ? undefined : auth0?.parameters[hit]?.trim()) || undefined;
  };
  const need = (key: string, what: string): string => {
    const value = param(key);
    if (!value) throw new InputError(inputName, `service connection '${id}' has no ${what} ('${key}').`);
    return value;
  };

  const scheme = (auth0?.scheme || 'ServicePrincipal').trim();
  let auth: ConnectionAuth;
  switch (scheme.toLowerCase()) {
    case 'serviceprincipal': {
      const tenantId = need('tenantid', 'tenant id');
      const clientId = need('serviceprincipalid', 'service principal id');
      const type = (param('authenticationType') ?? 'spnKey').toLowerCase();
      if (type === 'spncertificate') {
        const certificatePem = need('servicePrincipalCertificate', 'certificate');
        // Secrets are masked line by line (a multi-line secret is refused), so register each line of the PEM.
        for (const line of certificatePem.split(/\r?\n/)) {
          if (line.trim().length >= 16 && !line.startsWith('-----')) platform.setSecret(line.trim());
        }
        auth = { kind: 'servicePrincipalCertificate', tenantId, clientId, certificatePem };
      } else if (type === 'spnkey') {
        const clientSecret = need('serviceprincipalkey', 'service principal key');
        platform.setSecret(clientSecret);
        auth = { kind: 'servicePrincipalSecret', tenantId, clientId, clientSecret };
      } else {
        throw new InputError(inputName, `authentication type '${type}' is not supported; allowed: spnKey, spnCertificate.`);
      }
      break;
    }
    case 'workloadidentityfederation': {
      const systemAccessToken = platform.endpointAuth('SYSTEMVSSCONNECTION')?.parameters.AccessToken?.trim();
      if (!systemAccessToken) {
        throw new InputError(
          inputName,
          'workload identity federation needs the job access token (SYSTEMVSSCONNECTION), which the agent provides to every job.',
        );
      }
      platform.setSecret(systemAccessToken);
      auth = {
        kind: 'workloadIdentityFederation',
        tenantId: need('tenantid', 'tenant id'),
        clientId: need('serviceprincipalid', 'service principal id'),
        systemAccessToken,
      };
      break;
    }
    case 'managedserviceidentity':
      auth = { kind: 'managedIdentity', clientId: data('msiclientId') };
      break;
    default:
      throw new InputError(inputName, `authentication scheme '${scheme}' is not supported; supported: ${SUPPORTED_SCHEMES}.`);
  }

  const armUrl = trimSlash(url);
  const resource = data('activeDirectoryServiceEndpointResourceId');
  const subscriptionId = data('subscriptionId');
  if (!subscriptionId) throw new InputError(inputName, `service connection '${id}' has no subscription id.`);
  const mlScoped = (data('scopeLevel') ?? '').toLowerCase() === 'azuremlworkspace';
  return {
    id,
    armUrl,
    authorityHost: trimSlash(data('environmentAuthorityUrl') ?? data('activeDirectoryAuthority') ?? 'https://login.microsoftonline.com'),
    scope: `${trimSlash(resource ?? new URL(armUrl).origin)}/.default`,
    subscriptionId,
    auth,
    resourceGroup: mlScoped ? data('resourceGroupName') : undefined,
    workspace: mlScoped ? data('mlWorkspaceName') : undefined,
  };
}
