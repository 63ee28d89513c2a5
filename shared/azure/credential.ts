import type { TokenCredential } from '@azure/core-auth';
import { AzureError, errorMessage } from '../errors';
import type { ArmConnection } from './connection';

/**
 * A credential for the connection's scheme. `disableInstanceDiscovery` makes MSAL trust the connection's own
 * authority (sovereign clouds, Azure Stack, the emulator) instead of asking login.microsoftonline.com first.
 */
export function createCredential(connection: ArmConnection): TokenCredential {
  // Loaded here, not at import: @azure/identity brings MSAL, the largest part of a bundle's start-up.
  const { AzurePipelinesCredential, ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@azure/identity') as typeof import('@azure/identity');
  const options = { authorityHost: connection.authorityHost, disableInstanceDiscovery: true };
  const auth = connection.auth;
  try {
    switch (auth.kind) {
      case 'servicePrincipalSecret':
        return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, options);
      case 'servicePrincipalCertificate':
        return new ClientCertificateCredential(auth.tenantId, auth.clientId, { certificate: auth.certificatePem }, options);
      case 'workloadIdentityFederation':
        return new AzurePipelinesCredential(auth.tenantId, auth.clientId, connection.id, auth.systemAccessToken, options);
      case 'managedIdentity':
        return auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
    }
  } catch (err) {
    throw new AzureError(`Could not create a credential for service connection '${connection.id}' (${auth.kind}): ${errorMessage(err)}`);
  }
}
