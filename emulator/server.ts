import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { armPreflight, armRoutes, scoringRoutes } from './arm';
import { assetRoutes, blobHandler, STORAGE_ACCOUNT } from './assets';
import { jobRoutes } from './jobs';
import { mlflowRoutes } from './mlflow';
import { modelRoutes } from './models';
import { deploymentRoutes, seedComputes } from './deployments';
import { makeSelfSignedCert, type TlsFiles } from './cert';
import { entraRoutes } from './entra';
import { FaultInjector, type FaultRule } from './faults';
import { HttpError, json, matchRoute, route, type EmulatorRequest, type EmulatorResponse, type Route } from './http';
import { EmulatorState } from './state';
import { TrafficLog } from './traffic-log';

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

function controlRoutes(state: EmulatorState, faults: FaultInjector): Route[] {
  return [
    route('POST', '/_emulator/faults', (req) => {
      const b = (req.body ?? {}) as FaultRule & { path: string; regex?: boolean };
      if (!b.path || !b.fault) return json(400, { message: 'Expected {"path", "fault": {"type": ...}, "method"?, "times"?, "after"?}.' });
      faults.add({ ...b, path: b.regex ? new RegExp(b.path, 'i') : b.path });
      return json(201, { added: true });
    }),
    route('DELETE', '/_emulator/faults', () => {
      faults.clear();
      return { status: 204 };
    }),
    route('POST', '/ado/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/events', (req) => {
      state.planEvents.push({ url: req.url.toString(), authorization: req.headers.authorization, body: req.body });
      return json(200, {});
    }),
  ];
}

/** Starts the emulator on an HTTPS loopback port: Entra, ARM (Azure ML, ACI), scoring and ADO plan events. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-emulator-'));
  const tls = options.tls ?? makeSelfSignedCert(scratch);
  const state = new EmulatorState();
  const faults = new FaultInjector();
  const log = new TrafficLog(options.trafficLog ?? process.env.EMULATOR_TRAFFIC_LOG);
  state.jobsRoot = path.join(scratch, 'jobs');
  seedComputes(state);
  const routes: Route[] = [
    ...controlRoutes(state, faults), ...entraRoutes(state), ...scoringRoutes(state), ...mlflowRoutes(state),
    ...armRoutes(state), ...assetRoutes(state), ...modelRoutes(state), ...deploymentRoutes(state), ...jobRoutes(state, tls.certFile),
  ];

  async function answer(req: EmulatorRequest): Promise<EmulatorResponse> {
    const blob = blobHandler(state, req);
    if (blob) return blob;
    const match = matchRoute(routes, req.method, req.path);
    if (req.path.toLowerCase().startsWith('/subscriptions/')) {
      const refused = armPreflight(state, req);
      if (refused) return refused;
      if (match === 'method') return json(405, { error: { code: 'MethodNotAllowed', message: `${req.method} is not supported on ${req.path}.` } });
      if (!match) return json(404, { error: { code: 'InvalidResourceType', message: `The resource type for '${req.path}' could not be found.` } });
    }
    if (!match || match === 'method') return json(404, { message: `No emulator route for ${req.method} ${req.path}` });
    try {
      return await match.route.handler({ ...req, params: match.params });
    } catch (err) {
      if (err instanceof HttpError) return err.response;
      throw err;
    }
  }

  const server = https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }, (incoming, res) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      void (async () => {
        const rawBuffer = Buffer.concat(chunks);
        const rawBody = rawBuffer.toString('utf8');
        const url = new URL(incoming.url ?? '/', `https://${incoming.headers.host}`);
        const method = (incoming.method ?? 'GET').toUpperCase();
        const entry = { method, url: url.toString(), requestHeaders: incoming.headers as Record<string, unknown>, requestBody: rawBody };
        const fault = url.pathname.startsWith('/_emulator/') ? undefined : faults.take(method, url.pathname);
        if (fault?.type === 'reset') {
          log.write({ ...entry, status: 0, responseHeaders: {}, responseBody: 'connection reset (injected)' });
          incoming.socket.destroy();
          return;
        }
        if (fault?.type === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
        let response: EmulatorResponse;
        if (fault?.type === 'status') {
          response = json(fault.status, fault.body ?? { error: { code: fault.status === 429 ? 'TooManyRequests' : 'InternalServerError', message: `Injected fault: HTTP ${fault.status}.` } }, {
            ...(fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {}),
            ...(fault.retryAfterMs !== undefined ? { 'Retry-After': String(Math.max(1, Math.ceil(fault.retryAfterMs / 1000))), 'retry-after-ms': String(fault.retryAfterMs) } : {}),
          });
        } else {
          try {
            response = await answer({ method, url, path: url.pathname, headers: incoming.headers, rawBody, rawBuffer, body: parseBody(rawBody, incoming.headers['content-type']), params: {} });
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
        log.write({ ...entry, requestBody: isBinary ? `<${rawBuffer.length} bytes>` : rawBody, status: response.status, responseHeaders: headers, responseBody: response.raw ? `<${response.raw.length} bytes>` : text });
        res.writeHead(response.status, headers);
        res.end(response.raw ?? text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ws = state.defaultWorkspace;
  const client = state.defaultClient;
  return {
    url,
    state,
    faults,
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
    },
    addRoutes: (extra) => routes.push(...extra),
    stop: async () => {
      for (const job of state.jobs.values()) job.process?.kill('SIGKILL');
      await Promise.all(state.stopOnClose.map((stop) => stop()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}
