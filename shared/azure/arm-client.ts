import type { TokenCredential } from '@azure/core-auth';
import type { HttpMethods, SendRequest } from '@azure/core-rest-pipeline';
import { corePipeline } from '../lazy-modules';
import type { Clock } from '../clock';
import { armErrorFromResponse, isNotFound, toAzureError } from './arm-error';
import type { ArmConnection } from './connection';
import { createCredential } from './credential';
import { pacingPolicy } from './pacing-policy';
import { RETRY_POLICY_NAME, retryPolicy, retrySettings, type RetrySettings } from './retry-policy';

/** The api-version of Azure ML calls (newer ones where a field needs it, e.g. job notificationSetting). */
export const AML_API_VERSION = '2024-04-01';
export const ACI_API_VERSION = '2023-05-01';

export interface ArmResponse<T = unknown> {
  status: number;
  headers: { get(name: string): string | undefined };
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** What the call does, as the user reads it in an error: "Get online endpoint 'x'". */
  operation: string;
}

/**
 * ARM requests through the tasks' pipeline. Paths are relative to the connection's ARM URL and get the
 * api-version; absolute URLs (nextLink, LRO status) are used as they are. Error statuses throw.
 */
export class ArmRest {
  constructor(
    private readonly send: SendRequest,
    private readonly armUrl: string,
    readonly apiVersion: string,
  ) {}

  url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    const sep = pathOrUrl.includes('?') ? '&' : '?';
    return `${this.armUrl}${pathOrUrl}${pathOrUrl.includes('api-version=') ? '' : `${sep}api-version=${this.apiVersion}`}`;
  }

  async request<T = unknown>(method: HttpMethods, pathOrUrl: string, options: RequestOptions): Promise<ArmResponse<T>> {
    const { createHttpHeaders, createPipelineRequest } = corePipeline();
    const headers = createHttpHeaders({ accept: 'application/json' });
    let body: string | undefined;
    if (options.body !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.body);
    }
    let response;
    try {
      response = await this.send(createPipelineRequest({ url: this.url(pathOrUrl), method, headers, body }));
    } catch (err) {
      throw toAzureError(options.operation, err);
    }
    if (response.status >= 400) {
      throw armErrorFromResponse(options.operation, response.status, response.headers, response.bodyAsText ?? undefined);
    }
    let parsed: unknown = undefined;
    if (response.bodyAsText) {
      try {
        parsed = JSON.parse(response.bodyAsText);
      } catch {
        parsed = response.bodyAsText;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** Every item of a list, following its `nextLink` pages. */
  async list<T>(pathOrUrl: string, operation: string): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = pathOrUrl; next;) {
      const page: ArmResponse<{ value?: T[]; nextLink?: string }> = await this.request('GET', next, { operation });
      items.push(...(page.body.value ?? []));
      next = page.body.nextLink;
    }
    return items;
  }

  /** GET that answers `undefined` for 404 (the "does it exist yet?" read of every idempotent task). */
  async tryGet<T>(pathOrUrl: string, operation: string): Promise<T | undefined> {
    try {
      return (await this.request<T>('GET', pathOrUrl, { operation })).body;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

export interface ArmClients {
  readonly connection: ArmConnection;
  readonly credential: TokenCredential;
  /** Raw requests at `apiVersion` (default AML_API_VERSION), all through one pipeline: token, retries, user agent. */
  rest(apiVersion?: string): ArmRest;
}

export interface ArmClientOptions {
  clock: Clock;
  log: (message: string) => void;
  retry?: RetrySettings;
  credential?: TokenCredential;
  /** Called with every access token obtained, so the agent masks it wherever an error might quote a request. */
  secret?: (value: string) => void;
}

/**
 * A credential's failure as a user reads it: which connection, which way of signing in, where, and why, without
 * MSAL's empty placeholders ("[object Object]", "Timestamp: Not Available", ...). Still an AuthenticationError.
 */
function tokenFailure(connection: ArmConnection, err: unknown): Error {
  const e = (err ?? {}) as { statusCode?: number; message?: string };
  const reason = String(e.message ?? err)
    .replace(/\[object Object\]:?\s*/g, '')
    .replace(/\s*-?\s*(Error\(s\)|Timestamp|Description|Correlation ID|Trace ID): Not Available/g, '')
    .replace(/^[\s-]+|[\s-]+$/g, '');
  const status = e.statusCode && !reason.includes(String(e.statusCode)) ? `HTTP ${e.statusCode}` : '';
  const where = connection.auth.kind === 'managedIdentity' ? 'the managed identity endpoint' : connection.authorityHost;
  const failure = new Error(
    `service connection '${connection.id}' (${connection.auth.kind}) got no token from ${where}: ${[status, reason].filter(Boolean).join(' ') || 'the token endpoint gave no usable answer (it may be failing or unreachable)'}`,
  );
  failure.name = 'AuthenticationError';
  return failure;
}

/**
 * The ARM pipeline every Azure call of the tasks goes through: the connection's token for its own scope, our
 * retry policy in place of the default one, a user agent. The credential is made on the first token request, so
 * @azure/identity (and MSAL) load only once a task talks to Azure.
 */
export function createArmClients(connection: ArmConnection, options: ArmClientOptions): ArmClients {
  let made = options.credential;
  const credential: TokenCredential = {
    getToken: async (scopes, opts) => {
      const token = await (made ??= createCredential(connection)).getToken(scopes, opts).catch((err: unknown) => {
        throw tokenFailure(connection, err);
      });
      if (token) options.secret?.(token.token);
      return token;
    },
  };
  let send: SendRequest | undefined;
  const sendRequest: SendRequest = (request) => {
    if (!send) {
      const { bearerTokenAuthenticationPolicy, createDefaultHttpClient, createPipelineFromOptions } = corePipeline();
      const pipeline = createPipelineFromOptions({ userAgentOptions: { userAgentPrefix: 'azureml-mlops-tasks' } });
      pipeline.removePolicy({ name: 'defaultRetryPolicy' });
      pipeline.addPolicy(retryPolicy(options.retry ?? retrySettings(), options.clock, options.log), { phase: 'Retry' });
      // Inside the retry policy, so every attempt is paced once ARM says the caller's bucket is running low.
      pipeline.addPolicy(pacingPolicy(options.clock), { afterPolicies: [RETRY_POLICY_NAME] });
      pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: [connection.scope] }));
      const http = createDefaultHttpClient();
      send = (r) => pipeline.sendRequest(http, r);
    }
    return send(request);
  };
  return { connection, credential, rest: (apiVersion = AML_API_VERSION) => new ArmRest(sendRequest, connection.armUrl, apiVersion) };
}
