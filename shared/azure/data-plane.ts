import type { HttpClient, HttpMethods, Pipeline } from '@azure/core-rest-pipeline';
import { corePipeline } from '../lazy-modules';
import type { Clock } from '../clock';
import { armErrorFromResponse, toAzureError } from './arm-error';
import { retryPolicy, retrySettings, type RetrySettings } from './retry-policy';

/**
 * Requests to data-plane URLs that carry their own credential (a SAS URL), through the same retry policy as
 * ARM calls: storage throttles and resets like everything else.
 */
export class DataPlaneClient {
  private readonly pipeline: Pipeline = corePipeline().createEmptyPipeline();
  private readonly http: HttpClient = corePipeline().createDefaultHttpClient();

  constructor(clock: Clock, log: (message: string) => void, retry: RetrySettings = retrySettings()) {
    this.pipeline.addPolicy(retryPolicy(retry, clock, log));
  }

  /** The status of a request; statuses in `expected` (such as 404 for a lookup) are answers, not errors. */
  async send(
    method: HttpMethods,
    url: string,
    operation: string,
    body?: Buffer,
    headers: Record<string, string> = {},
    expected: number[] = [],
  ): Promise<number> {
    return (await this.exchange(method, url, operation, body, headers, expected)).status;
  }

  /** A GET's body, or undefined when the blob is not there. */
  async getOrMissing(url: string, operation: string): Promise<Buffer | undefined> {
    const response = await this.exchange('GET', url, operation, undefined, { 'x-ms-version': '2021-08-06' }, [404]);
    return response.status === 404 ? undefined : Buffer.from(response.bodyAsText ?? '', 'utf8');
  }

  /** The body of a GET (a blob's content). */
  async get(url: string, operation: string): Promise<Buffer> {
    return Buffer.from((await this.exchange('GET', url, operation, undefined, { 'x-ms-version': '2021-08-06' })).bodyAsText ?? '', 'utf8');
  }

  /** A JSON request (a batch endpoint invocation, a job read) with its own Authorization header; the parsed answer. */
  async json<T>(method: HttpMethods, url: string, operation: string, body: unknown, headers: Record<string, string>): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const response = await this.exchange(method, url, operation, payload, { accept: 'application/json', 'content-type': 'application/json', ...headers });
    return (response.bodyAsText ? JSON.parse(response.bodyAsText) : {}) as T;
  }

  private async exchange(method: HttpMethods, url: string, operation: string, body?: Buffer, headers: Record<string, string> = {}, expected: number[] = []) {
    const request = corePipeline().createPipelineRequest({ url, method, headers: corePipeline().createHttpHeaders(headers), body });
    let response;
    try {
      response = await this.pipeline.sendRequest(this.http, request);
    } catch (err) {
      throw toAzureError(operation, err);
    }
    if (response.status >= 400 && !expected.includes(response.status))
      throw armErrorFromResponse(operation, response.status, response.headers, response.bodyAsText ?? undefined);
    return response;
  }

  /** Put Blob (block blob) of `data` at a SAS URL; `blobPath` is appended to the URL's path. */
  putBlob(sasFolderUrl: string, blobPath: string, data: Buffer): Promise<number> {
    const url = new URL(sasFolderUrl);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/${blobPath.split('/').map(encodeURIComponent).join('/')}`;
    return this.send('PUT', url.toString(), `Upload ${blobPath}`, data, {
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-version': '2021-08-06',
      'content-type': 'application/octet-stream',
    });
  }
}
