import { workspaceOf } from '../kit/arm';
import { json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { ARM_AUDIENCES, ML_AUDIENCE, createRun, type EmulatorState, type MetricPoint, type MlflowRun } from '../kit/state';
import type { ResourceFamily } from './family';
import { addModelVersion, modelExists, nextModelVersion } from './models';

/** The run as MLflow's REST API shows it: the latest value of each metric (by timestamp, then step). */
export function runJson(run: MlflowRun): unknown {
  const latest = [...run.metrics.values()].map((points) =>
    points.reduce((a, b) => (b.timestamp > a.timestamp || (b.timestamp === a.timestamp && b.step >= a.step) ? b : a)),
  );
  return {
    info: run.info,
    data: {
      metrics: latest,
      params: Object.entries(run.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(run.tags).map(([key, value]) => ({ key, value })),
    },
  };
}

function mlflowError(status: number, code: string, message: string): EmulatorResponse {
  return json(status, { error_code: code, message });
}

function logMetric(run: MlflowRun, m: Partial<MetricPoint>): void {
  if (!m.key || typeof m.value !== 'number') return;
  const points = run.metrics.get(m.key) ?? [];
  points.push({ key: m.key, value: m.value, timestamp: m.timestamp ?? Date.now(), step: m.step ?? 0 });
  run.metrics.set(m.key, points);
}

/** `tags.x = 'v'`, `attributes.run_name = 'v'` and `attributes.status = 'v'` clauses joined by AND. */
function matches(run: MlflowRun, filter: string): boolean {
  if (!filter.trim()) return true;
  return filter.split(/\s+and\s+/i).every((clause) => {
    const m = /^\s*(tags|attributes|tag|attribute)\.(`[^`]+`|[\w.]+)\s*(=|!=)\s*'([^']*)'\s*$/i.exec(clause);
    if (!m) return false;
    const key = m[2].replace(/`/g, '');
    const actual = m[1].toLowerCase().startsWith('tag') ? run.tags[key] : (run.info as Record<string, unknown>)[key];
    return m[3] === '=' ? actual === m[4] : actual !== m[4];
  });
}

const BASE = '/mlflow/v2.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/api/2.0/mlflow';

const findRun = (state: EmulatorState, runId: string | null | undefined) => (runId ? state.mlflowRuns.get(runId) : undefined);
const notFound = (runId: unknown) => mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(runId)}' not found.`);
const body = (req: EmulatorRequest) => (req.body ?? {}) as Record<string, any>;

/** Creating runs and logging to them. */
function runWriteRoutes(state: EmulatorState, authed: Authed): Route[] {
  const find = (runId: string | null | undefined) => findRun(state, runId);
  return [
    route(
      'POST',
      `${BASE}/runs/create`,
      authed((req) => {
        const b = body(req);
        const runId = crypto.randomUUID().replace(/-/g, '');
        const tags = Object.fromEntries(((b.tags ?? []) as { key: string; value: string }[]).map((t) => [t.key, t.value]));
        const run = createRun(state, runId, String(b.experiment_id ?? 'Default'), String(b.run_name ?? runId), tags);
        run.info.experiment_id = String(b.experiment_id ?? run.info.experiment_id);
        return json(200, { run: runJson(run) });
      }),
    ),
    route(
      'POST',
      `${BASE}/runs/update`,
      authed((req) => {
        const b = body(req);
        const run = find(b.run_id);
        if (!run) return notFound(b.run_id);
        if (b.status) run.info.status = b.status;
        if (b.end_time) run.info.end_time = b.end_time;
        return json(200, { run_info: run.info });
      }),
    ),
    route(
      'POST',
      `${BASE}/runs/log-metric`,
      authed((req) => {
        const b = body(req);
        const run = find(b.run_id);
        if (!run) return notFound(b.run_id);
        logMetric(run, b);
        return json(200, {});
      }),
    ),
    route(
      'POST',
      `${BASE}/runs/log-batch`,
      authed((req) => {
        const b = body(req);
        const run = find(b.run_id);
        if (!run) return notFound(b.run_id);
        for (const m of b.metrics ?? []) logMetric(run, m);
        for (const p of b.params ?? []) run.params[p.key] = String(p.value);
        for (const t of b.tags ?? []) run.tags[t.key] = String(t.value);
        return json(200, {});
      }),
    ),
  ];
}

/** MLflow tracking REST (the subset Azure ML clients use), behind a bearer token: reading runs and metrics. */
function mlflowRoutes(state: EmulatorState): Route[] {
  const authed = workspaceDataPlane(state);
  const find = (runId: string | null | undefined) => findRun(state, runId);
  return [
    route(
      'GET',
      `${BASE}/runs/get`,
      authed((req) => {
        const run = find(req.url.searchParams.get('run_id') ?? req.url.searchParams.get('run_uuid'));
        return run ? json(200, { run: runJson(run) }) : notFound(req.url.searchParams.get('run_id'));
      }),
    ),
    route(
      'POST',
      `${BASE}/runs/search`,
      authed((req) => {
        const b = body(req);
        const experiments = new Set<string>(b.experiment_ids ?? []);
        const runs = [...state.mlflowRuns.values()]
          .filter((r) => experiments.size === 0 || experiments.has(r.info.experiment_id))
          .filter((r) => matches(r, String(b.filter ?? '')))
          .sort((a, z) => z.info.start_time - a.info.start_time);
        const start = Number(b.page_token ?? 0) || 0;
        const max = Number(b.max_results ?? 1000);
        const pageRuns = runs.slice(start, start + max);
        return json(200, { runs: pageRuns.map(runJson), ...(start + max < runs.length ? { next_page_token: String(start + max) } : {}) });
      }),
    ),
    route(
      'GET',
      `${BASE}/metrics/get-history`,
      authed((req) => {
        const run = find(req.url.searchParams.get('run_id'));
        if (!run) return notFound(req.url.searchParams.get('run_id'));
        return json(200, { metrics: run.metrics.get(req.url.searchParams.get('metric_key') ?? '') ?? [] });
      }),
    ),
    ...runWriteRoutes(state, authed),
    ...registryRoutes(state, authed),
  ];
}

type Authed = (handler: (req: EmulatorRequest) => EmulatorResponse) => (req: EmulatorRequest) => EmulatorResponse;

/**
 * The bearer check of the workspace's data-plane host (MLflow, run history): ARM's audiences (the emulator's origin
 * stands for a cloud's ARM URL), Azure ML's, or a job's run token.
 */
export function workspaceDataPlane(state: EmulatorState): Authed {
  return (handler) => (req) => {
    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const audiences = [...ARM_AUDIENCES, ML_AUDIENCE, `https://${String(req.headers.host).toLowerCase()}`];
    if (!state.validToken(req.headers.authorization, audiences) && !state.runTokens.has(bearer))
      return mlflowError(401, 'UNAUTHENTICATED', 'A valid bearer token is required.');
    return handler(req);
  };
}

/**
 * The MLflow model registry as Azure ML serves it: registered models are the workspace's model containers and
 * model versions its model versions (numbered 1, 2, ...), so `mlflow.register_model` from a job lands in the
 * same registry the ARM API lists.
 */
function registryRoutes(state: EmulatorState, authed: Authed): Route[] {
  const names = new Set<string>();
  const key = (req: EmulatorRequest, name: string) => `${req.params.sub}/${req.params.rg}/${req.params.ws}/${name}`.toLowerCase();
  return [
    route(
      'POST',
      `${BASE}/registered-models/create`,
      authed((req) => {
        const ws = workspaceOf(state, req);
        const name = String((req.body as Record<string, unknown> | undefined)?.name ?? '');
        if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(name)) return mlflowError(400, 'INVALID_PARAMETER_VALUE', `Registered model name '${name}' is invalid.`);
        if (names.has(key(req, name)) || modelExists(state, ws, name))
          return mlflowError(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
        names.add(key(req, name));
        return json(200, { registered_model: { name, creation_timestamp: Date.now(), last_updated_timestamp: Date.now() } });
      }),
    ),
    route(
      'POST',
      `${BASE}/model-versions/create`,
      authed((req) => {
        const ws = workspaceOf(state, req);
        const b = (req.body ?? {}) as Record<string, any>;
        const name = String(b.name ?? '');
        if (!names.has(key(req, name)) && !modelExists(state, ws, name))
          return mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found.`);
        const source = String(b.source ?? '');
        if (!source.startsWith('azureml://')) return mlflowError(400, 'INVALID_PARAMETER_VALUE', `source '${source}' must be an azureml:// URI.`);
        const tags = Object.fromEntries(((b.tags ?? []) as { key: string; value: unknown }[]).map((t) => [t.key, String(t.value)]));
        const run = b.run_id ? state.mlflowRuns.get(String(b.run_id)) : undefined;
        const version = nextModelVersion(state, ws, name);
        addModelVersion(state, ws, name, version, {
          modelUri: source,
          tags,
          description: b.description ?? null,
          ...(run ? { jobName: run.tags['mlflow.rootRunId'] ?? run.info.run_id } : {}),
        });
        const now = Date.now();
        return json(200, {
          model_version: {
            name,
            version,
            creation_timestamp: now,
            last_updated_timestamp: now,
            source,
            run_id: b.run_id ?? '',
            status: 'READY',
            tags: Object.entries(tags).map(([k, value]) => ({ key: k, value })),
          },
        });
      }),
    ),
  ];
}

export const mlflow: ResourceFamily = { name: 'MLflow tracking and registry', routes: ({ state }) => mlflowRoutes(state) };
