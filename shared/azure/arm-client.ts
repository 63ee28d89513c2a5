import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/identity';
import { createHttpHeaders, createPipelineRequest, type HttpMethods } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';
import { armErrorFromResponse, isNotFound, toAzureError } from './arm-error';
import type { ArmConnection } from './connection';
import { createCredential } from './credential';
import { DEFAULT_RETRY, retryPolicy, type RetrySettings } from './retry-policy';

/** The api-version for Azure ML calls whose 2022-10-01 SDK models suffice. */
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
 * Raw ARM requests through an SDK client's pipeline (token, retries, api-version policy). Paths are relative to
 * the connection's ARM URL; absolute URLs (nextLink, LRO status) are used as they are. Error statuses throw.
 */
export class ArmRest {
  constructor(
    private readonly client: AzureMachineLearningWorkspaces,
    private readonly armUrl: string,
    readonly apiVersion: string,
  ) {}

  url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    const sep = pathOrUrl.includes('?') ? '&' : '?';
    return `${this.armUrl}${pathOrUrl}${pathOrUrl.includes('api-version=') ? '' : `${sep}api-version=${this.apiVersion}`}`;
  }

  async request<T = unknown>(method: HttpMethods, pathOrUrl: string, options: RequestOptions): Promise<ArmResponse<T>> {
    const headers = createHttpHeaders({ accept: 'application/json' });
    let body: string | undefined;
    if (options.body !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.body);
    }
    let response;
    try {
      response = await this.client.sendRequest(createPipelineRequest({ url: this.url(pathOrUrl), method, headers, body }));
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
  /** The typed Azure ML client at `apiVersion` (default AML_API_VERSION). */
  ml(apiVersion?: string): AzureMachineLearningWorkspaces;
  /** Raw requests at `apiVersion`; each api-version needs its own pipeline because the SDK rewrites it on every call. */
  rest(apiVersion?: string): ArmRest;
}

export interface ArmClientOptions {
  clock: Clock;
  log: (message: string) => void;
  retry?: RetrySettings;
  credential?: TokenCredential;
}

export function createArmClients(connection: ArmConnection, options: ArmClientOptions): ArmClients {
  const credential = options.credential ?? createCredential(connection);
  const clients = new Map<string, AzureMachineLearningWorkspaces>();
  const ml = (apiVersion = AML_API_VERSION): AzureMachineLearningWorkspaces => {
    let client = clients.get(apiVersion);
    if (!client) {
      client = new AzureMachineLearningWorkspaces(credential, connection.subscriptionId, {
        endpoint: connection.armUrl,
        apiVersion,
        credentialScopes: [connection.scope],
        userAgentOptions: { userAgentPrefix: 'azureml-mlops-tasks' },
      });
      client.pipeline.removePolicy({ name: 'defaultRetryPolicy' });
      client.pipeline.addPolicy(retryPolicy(options.retry ?? DEFAULT_RETRY, options.clock, options.log), { phase: 'Retry' });
      clients.set(apiVersion, client);
    }
    return client;
  };
  return {
    connection,
    credential,
    ml,
    rest: (apiVersion = AML_API_VERSION) => new ArmRest(ml(apiVersion), connection.armUrl, apiVersion),
  };
}

/** Runs a typed SDK call and converts what it throws into one readable AzureError. */
export async function armCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAzureError(operation, err);
  }
}
