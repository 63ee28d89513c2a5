import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorResponse } from '../kit/http';

/**
 * The deterministic answer of the emulator's stand-in model: one prediction per input row, the row's sum
 * rounded to 3 decimals. Accepts {"data": [[...]]} or {"input_data": {"data": [[...]]}}.
 */
export function echoPredictions(body: unknown): { status: number; body: unknown } {
  const b = (body ?? {}) as { data?: unknown; input_data?: { data?: unknown } };
  const rows = b.data ?? b.input_data?.data;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number'))) {
    return { status: 400, body: { error: 'Expected a JSON body {"data": [[number, ...], ...]}.' } };
  }
  const predictions = (rows as number[][]).map((r) => Math.round(r.reduce((s, v) => s + v, 0) * 1000) / 1000);
  return { status: 200, body: { predictions } };
}

/**
 * A container's inference server on a loopback port: GET / (liveness) and POST /score, like the Azure ML
 * inference server behind port 5001. Returns the bound port and a stop function.
 */
export async function startEchoServer(identity: Record<string, string>): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/') return send(200, { status: 'Healthy', ...identity });
      if (req.method === 'POST' && path === '/score') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(400, { error: 'The request body is not JSON.' });
        }
        const answer = echoPredictions(parsed);
        return send(answer.status, answer.status === 200 ? { ...(answer.body as object), ...identity } : answer.body);
      }
      send(404, { error: `No route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Forwards a scoring request to a deployment's inference server. */
export function forwardScore(port: number, body: string): Promise<EmulatorResponse> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/score', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: returned as text
          }
          resolve({ status: res.statusCode ?? 502, body: parsed });
        });
      },
    );
    req.on('error', (err) => resolve({ status: 502, body: { message: `The deployment's container did not answer: ${err.message}` } }));
    req.end(body);
  });
}
