import * as http from 'node:http';
import * as https from 'node:https';

export interface ScoringRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface ScoringResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  bodyText: string;
  latencyMs: number;
}

/** A request that got no HTTP answer (refused, reset, timed out). */
export class ScoringNetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly latencyMs: number,
  ) {
    super(message);
  }
}

/**
 * One scoring request over plain Node http(s), timed from send to the last body byte. Scoring is data plane:
 * it never goes through the ARM pipeline (no ARM token, no ARM retries).
 */
export function sendScoringRequest(req: ScoringRequest): Promise<ScoringResponse> {
  const url = new URL(req.url);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport) return Promise.reject(new ScoringNetworkError('EPROTO', `Unsupported scheme in ${url.origin}: use http or https.`, 0));
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const request = transport.request(url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bodyText: Buffer.concat(chunks).toString('utf8'), latencyMs: elapsed() }),
      );
      res.on('error', (err: NodeJS.ErrnoException) => reject(new ScoringNetworkError(err.code ?? 'ERESPONSE', err.message, elapsed())));
    });
    request.setTimeout(req.timeoutMs, () => {
      request.destroy(new ScoringNetworkError('ETIMEDOUT', `no complete answer within ${req.timeoutMs} ms`, elapsed()));
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      reject(err instanceof ScoringNetworkError ? err : new ScoringNetworkError(err.code ?? 'EREQUEST', err.message, elapsed()));
    });
    request.end(req.body);
  });
}
