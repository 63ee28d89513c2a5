import type * as http from 'node:http';

export interface EmulatorRequest {
  method: string;
  url: URL;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  rawBuffer: Buffer;
  /** JSON body, form fields for form posts, else undefined. */
  body: unknown;
  params: Record<string, string>;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Bytes sent as they are (blob downloads), instead of a JSON body. */
  raw?: Buffer;
}

export type Handler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Path templates like `/subscriptions/{sub}/resourceGroups/{rg}`; matched case-insensitively because ARM
 * paths are, with each `{name}` captured as one segment.
 */
export function route(method: string, template: string, handler: Handler): Route {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (m) {
        names.push(m[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}/?$`, 'i'), names, handler };
}

export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
    return { route: r, params };
  }
  return pathMatched ? 'method' : undefined;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, body, headers };
}

/** The ARM error envelope: {"error": {"code", "message", "target"?}}. */
export function armError(status: number, code: string, message: string, target?: string): EmulatorResponse {
  return { status, body: { error: { code, message, ...(target ? { target } : {}) } } };
}

export class HttpError extends Error {
  constructor(readonly response: EmulatorResponse) {
    super(`HTTP ${response.status}`);
  }
}

/** Throws an ARM error from deep inside a handler. */
export function fail(status: number, code: string, message: string, target?: string): never {
  throw new HttpError(armError(status, code, message, target));
}
