import { json, route, type Route } from '../kit/http';
import { workspaceId, type EmulatorState, type JobRecord } from '../kit/state';
import type { ResourceFamily } from './family';
import { workspaceDataPlane } from './mlflow';

const BASE = '/history/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';

/** The job a run belongs to: the pipeline job itself, or one of its steps (run id `<job>_<step>`). */
function jobOfRun(state: EmulatorState, path: string, runId: string): JobRecord | undefined {
  for (const job of state.jobs.values()) {
    if (!path.toLowerCase().startsWith(`/history/v1.0${workspaceId(job.workspace)}/`.toLowerCase())) continue;
    if (runId === job.name || runId.startsWith(`${job.name}_`)) return job;
  }
  return undefined;
}

/**
 * Run history's run details (`GET /history/v1.0/.../runs/{runId}/details`, on the workspace's data-plane host beside
 * MLflow): where Azure ML reports why a run failed (`error.error.code`/`message`), which the job resource does not
 * carry. Studio and `az ml job show` read the same record.
 */
function runHistoryRoutes(state: EmulatorState): Route[] {
  const authed = workspaceDataPlane(state);
  return [
    route(
      'GET',
      `${BASE}/runs/{runId}/details`,
      authed((req) => {
        const runId = req.params.runId;
        const job = jobOfRun(state, req.url.pathname, runId);
        const run = state.mlflowRuns.get(runId);
        if (!job || !run) return json(404, { error: { code: 'UserError', message: `Run '${runId}' was not found.` } });
        const status = runId === job.name ? job.resource.properties.status : (job.steps[run.info.run_name] ?? 'Running');
        const message = job.errors[runId];
        return json(200, {
          runId,
          runUuid: run.info.run_uuid,
          status,
          startTimeUtc: new Date(run.info.start_time).toISOString(),
          ...(run.info.end_time ? { endTimeUtc: new Date(run.info.end_time).toISOString() } : {}),
          ...(message ? { error: { error: { code: 'UserError', message } } } : {}),
          warnings: [],
        });
      }),
    ),
  ];
}

export const runHistory: ResourceFamily = { name: 'Run history', routes: ({ state }) => runHistoryRoutes(state) };
