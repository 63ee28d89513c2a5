import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { armPreflight } from './kit/arm';
import { makeSelfSignedCert, type TlsFiles } from './kit/cert';
import { FaultInjector, type FaultKind } from './kit/faults';
import { HttpError, json, matchRoute, type EmulatorRequest, type EmulatorResponse, type Route } from './kit/http';
import { EmulatorState } from './kit/state';
import { TrafficLog } from './kit/traffic-log';
import { STORAGE_ACCOUNT } from './resources/blob-storage';
import type { FamilyContext } from './resources/family';
import { FAMILIES } from './routes';

export interface EmulatorOptions {
  /** Reuse an existing certificate (the test run makes one and trusts it); otherwise one is made. */
  tls?: TlsFiles;
  /** JSON-lines traffic log; defaults to EMULATOR_TRAFFIC_LOG. */
  trafficLog?: string;
  port?: number;
}

export interface EmulatorInfo {
  armUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  caCertFile: string;
  planEventsUrl: string;
  /** Simulated time: clients shorten their waits by this factor (AML_TASKS_SIMULATED_TIME_SCALE). */
  timeScale: number;
}

export interface Emulator {
  readonly url: string;
  readonly info: EmulatorInfo;
  readonly state: EmulatorState;
  readonly faults: FaultInjector;
  /** Extra routes later issues add (jobs, models, ...) register here. */
  addRoutes(routes: Route[]): void;
  stop(): Promise<void>;
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The route's answer to a request that reached the route table (ARM's 405 and 404 for its own paths). */
async function routed(req: EmulatorRequest, match: ReturnType<typeof matchRoute>): Promise<EmulatorResponse> {
  const arm = req.path.toLowerCase().startsWith('/subscriptions/');
  if (arm && match === 'method') return json(405, { error: { code: 'MethodNotAllowed', message: `${req.method} is not supported on ${req.path}.` } });
  if (arm && !match) return json(404, { error: { code: 'InvalidResourceType', message: `The resource type for '${req.path}' could not be found.` } });
  if (!match || match === 'method') return json(404, { message: `No emulator route for ${req.method} ${req.path}` });
  try {
    return await match.route.handler({ ...req, params: match.params });
  } catch (err) {
    if (err instanceof HttpError) return err.response;
    throw err;
  }
}

/**
 * The answer to a request: an intercepting family (the blob service), else ARM's checks and throttling (when on)
 * and the route table.
 */
async function answer(ctx: FamilyContext, routes: Route[], req: EmulatorRequest): Promise<EmulatorResponse> {
  for (const family of FAMILIES) {
    const intercepted = family.intercept?.(ctx, req);
    if (intercepted) return intercepted;
  }
  const match = matchRoute(routes, req.method, req.path);
  if (!req.path.toLowerCase().startsWith('/subscriptions/')) return routed(req, match);
  const refused = armPreflight(ctx.state, req);
  if (refused) return refused;
  const ticket = ctx.state.throttle?.take(req, req.path.split('/')[2], ctx.state.bearer(req.headers.authorization)?.clientId ?? '');
  if (ticket && 'refused' in ticket) return ticket.refused;
  const response = await routed(req, match);
  return ticket ? { ...response, headers: { ...(response.headers ?? {}), ...ticket.headers } } : response;
}

/** An injected status fault as the service would send it, with its Retry-After headers. */
function faultResponse(fault: Extract<FaultKind, { type: 'status' }>): EmulatorResponse {
  return json(
    fault.status,
    fault.body ?? { error: { code: fault.status === 429 ? 'TooManyRequests' : 'InternalServerError', message: `Injected fault: HTTP ${fault.status}.` } },
    {
      ...(fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {}),
      ...(fault.retryAfterMs !== undefined
        ? { 'Retry-After': String(Math.max(1, Math.ceil(fault.retryAfterMs / 1000))), 'retry-after-ms': String(fault.retryAfterMs) }
        : {}),
    },
  );
}

/** Serves one HTTP exchange: faults first, then the answer, logged as one traffic line. */
async function serve(
  ctx: FamilyContext,
  routes: Route[],
  log: TrafficLog,
  incoming: http.IncomingMessage,
  res: http.ServerResponse,
  rawBuffer: Buffer,
): Promise<void> {
  const rawBody = rawBuffer.toString('utf8');
  const url = new URL(incoming.url ?? '/', `https://${incoming.headers.host}`);
  const method = (incoming.method ?? 'GET').toUpperCase();
  const entry = { method, url: url.toString(), requestHeaders: incoming.headers as Record<string, unknown>, requestBody: rawBody };
  const fault = url.pathname.startsWith('/_emulator/') ? undefined : ctx.faults.take(method, url.pathname);
  if (fault?.type === 'reset') {
    log.write({ ...entry, status: 0, responseHeaders: {}, responseBody: 'connection reset (injected)' });
    incoming.socket.destroy();
    return;
  }
  if (fault?.type === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
  ctx.state.settleDue();
  let response: EmulatorResponse;
  if (fault?.type === 'status') response = faultResponse(fault);
  else if (fault?.type === 'echo') {
    const quoted = Object.entries(incoming.headers).map(([k, v]) => `${k}: ${String(v)}`);
    response = json(fault.status, {
      error: { code: 'BadRequest', message: `The request was rejected. Request: ${method} ${url} ${quoted.join('; ')} ${rawBody}` },
    });
  } else {
    try {
      response = await answer(ctx, routes, {
        method,
        url,
        path: url.pathname,
        headers: incoming.headers,
        rawBody,
        rawBuffer,
        body: parseBody(rawBody, incoming.headers['content-type']),
        params: {},
      });
    } catch (err) {
      response = json(500, { error: { code: 'InternalServerError', message: `Emulator error: ${(err as Error).message}` } });
    }
  }
  if (fault?.type === 'lostResponse') {
    log.write({ ...entry, status: 0, responseHeaders: {}, responseBody: `handled with ${response.status}, then the connection was reset (injected)` });
    incoming.socket.destroy();
    return;
  }
  const text = response.body === undefined ? '' : JSON.stringify(response.body);
  const headers: Record<string, string> = {
    'x-ms-request-id': crypto.randomUUID(),
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...(response.raw ? { 'content-type': 'application/octet-stream', 'content-length': String(response.raw.length) } : {}),
    ...(response.headers ?? {}),
  };
  const isBinary = url.pathname.startsWith(`/${STORAGE_ACCOUNT}/`);
  log.write({
    ...entry,
    requestBody: isBinary ? `<${rawBuffer.length} bytes>` : rawBody,
    status: response.status,
    responseHeaders: headers,
    responseBody: response.raw ? `<${response.raw.length} bytes>` : text,
  });
  res.writeHead(response.status, headers);
  res.end(response.raw ?? text);
}

/** Starts the emulator on an HTTPS loopback port: Entra, ARM (Azure ML, ACI), blob storage, MLflow, scoring and ADO plan events. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-emulator-'));
  const tls = options.tls ?? makeSelfSignedCert(scratch);
  const state = new EmulatorState();
  const ctx: FamilyContext = { state, faults: new FaultInjector(), certFile: tls.certFile };
  const log = new TrafficLog(options.trafficLog ?? process.env.EMULATOR_TRAFFIC_LOG, state);
  state.jobsRoot = path.join(scratch, 'jobs');
  for (const family of FAMILIES) family.seed?.(state);
  const routes: Route[] = FAMILIES.flatMap((family) => family.routes?.(ctx) ?? []);
  const server = https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }, (incoming, res) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => void serve(ctx, routes, log, incoming, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ws = state.defaultWorkspace;
  const client = state.defaultClient;
  return {
    url,
    state,
    faults: ctx.faults,
    info: {
      armUrl: `${url}/`,
      authorityHost: `${url}/`,
      tenantId: state.tenantId,
      clientId: client.clientId,
      clientSecret: client.clientSecret as string,
      subscriptionId: ws.subscriptionId,
      resourceGroup: ws.resourceGroup,
      workspace: ws.name,
      caCertFile: tls.certFile,
      planEventsUrl: `${url}/ado/`,
      timeScale: state.timeScale,
    },
    addRoutes: (extra) => routes.push(...extra),
    stop: async () => {
      for (const job of state.jobs.values()) for (const child of job.processes) child.kill('SIGKILL');
      await Promise.all(state.stopOnClose.map((stop) => stop()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}
