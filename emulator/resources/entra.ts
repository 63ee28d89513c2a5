import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import { json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { rememberSecret, type EmulatorState } from '../kit/state';
import type { ResourceFamily } from './family';

function origin(req: EmulatorRequest): string {
  // MSAL requires the issuer on the authority's own scheme, host and port: build it from the Host header.
  return `https://${req.headers.host}`;
}

function oauthError(status: number, error: string, code: number, description: string): EmulatorResponse {
  return json(status, { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code] });
}

function b64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Checks a certificate client assertion: PS256 signature, x5t#S256 thumbprint and audience. */
function certificateAssertionValid(assertion: string, certificatePem: string, audience: string, clientId: string): boolean {
  const parts = assertion.split('.');
  if (parts.length !== 3) return false;
  const header = b64urlJson(parts[0]);
  const payload = b64urlJson(parts[1]);
  if (!header || !payload) return false;
  const cert = new X509Certificate(certificatePem);
  const thumbprint = createHash('sha256').update(cert.raw).digest('base64url');
  if (header['x5t#S256'] !== thumbprint && header.x5t !== createHash('sha1').update(cert.raw).digest('base64url')) return false;
  if (payload.aud !== audience || payload.iss !== clientId || payload.sub !== clientId) return false;
  if (typeof payload.exp === 'number' && payload.exp * 1000 < Date.now()) return false;
  const padding = header.alg === 'RS256' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_PSS_PADDING;
  return verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    { key: cert.publicKey, padding, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
    Buffer.from(parts[2], 'base64url'),
  );
}

/** Entra ID (discovery and client-credentials token), Azure Pipelines OIDC, and managed identity. */
function entraRoutes(state: EmulatorState): Route[] {
  const tenantOk = (tenant: string) => [state.tenantId, state.otherTenantId].some((t) => t === tenant.toLowerCase());
  return [
    route('GET', '/{tenant}/v2.0/.well-known/openid-configuration', (req) => {
      if (!tenantOk(req.params.tenant)) return oauthError(400, 'invalid_tenant', 90002, `Tenant '${req.params.tenant}' not found.`);
      const base = `${origin(req)}/${req.params.tenant}`;
      return json(200, {
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      });
    }),
    route('GET', '/{tenant}/discovery/v2.0/keys', () => json(200, { keys: [] })),
    route('POST', '/{tenant}/oauth2/v2.0/token', (req) => {
      if (!tenantOk(req.params.tenant)) return oauthError(400, 'invalid_request', 90002, `Tenant '${req.params.tenant}' not found.`);
      const form = (req.body ?? {}) as Record<string, string>;
      rememberSecret(form.client_secret);
      rememberSecret(form.client_assertion);
      if (form.grant_type !== 'client_credentials') {
        return oauthError(400, 'unsupported_grant_type', 70003, `The grant type '${form.grant_type}' is not supported.`);
      }
      const client = state.clients.get(form.client_id ?? '');
      if (!client) return oauthError(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id}' was not found.`);
      let ok = false;
      if (form.client_secret !== undefined) {
        ok = client.clientSecret !== undefined && form.client_secret === client.clientSecret;
        if (!ok) return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
      } else if (form.client_assertion) {
        const connection = state.oidcTokens.get(form.client_assertion);
        if (connection !== undefined) {
          ok = client.federatedConnections?.includes(connection) ?? false;
        } else if (client.certificatePem) {
          const audience = `${origin(req)}/${req.params.tenant}/oauth2/v2.0/token`;
          ok = certificateAssertionValid(form.client_assertion, client.certificatePem, audience, client.clientId);
        }
        if (!ok) return oauthError(401, 'invalid_client', 700027, 'Client assertion failed signature validation or has no matching federated identity.');
      } else {
        return oauthError(401, 'invalid_client', 7000216, "'client_assertion' or 'client_secret' is required.");
      }
      const issued = state.issueToken(client.clientId, form.scope ?? '', { tenantId: req.params.tenant.toLowerCase() });
      return json(200, { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token });
    }),
    route('POST', '/ado/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken', (req) => {
      if (req.headers.authorization !== `Bearer ${state.systemAccessToken}`) {
        return json(401, { message: 'TF400813: The user is not authorized to access this resource.' });
      }
      const connection = req.url.searchParams.get('serviceConnectionId');
      if (!connection) return json(400, { message: 'serviceConnectionId is required.' });
      const oidcToken = `oidc.${Buffer.from(JSON.stringify({ sub: `sc://org/project/${connection}`, n: Math.random() })).toString('base64url')}`;
      state.oidcTokens.set(oidcToken, connection);
      rememberSecret(oidcToken);
      return json(200, { oidcToken });
    }),
    route('GET', '/msi/token', (req) => {
      if (req.headers['x-identity-header'] !== state.identityHeader) {
        return json(401, { error: 'invalid_request', error_description: 'X-IDENTITY-HEADER is missing or wrong.' });
      }
      const clientId = req.url.searchParams.get('client_id') ?? 'system-assigned';
      if (clientId !== 'system-assigned' && clientId !== state.managedIdentityClientId) {
        return json(400, { error: 'invalid_request', error_description: `No managed identity with client id '${clientId}'.` });
      }
      const resource = req.url.searchParams.get('resource') ?? '';
      const issued = state.issueToken(clientId, `${resource}/.default`);
      return json(200, {
        access_token: issued.token,
        expires_on: String(Math.floor(Date.now() / 1000) + issued.expiresIn),
        resource,
        token_type: 'Bearer',
        client_id: clientId,
      });
    }),
  ];
}

export const entra: ResourceFamily = { name: 'Entra ID (tokens, OIDC, managed identity)', routes: ({ state }) => entraRoutes(state) };
