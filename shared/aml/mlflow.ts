import type { ArmClients } from '../azure/arm-client';
import { type WorkspaceRef } from './workspace';
import { isNotFound } from '../azure/arm-error';
import { AzureError } from '../errors';

interface RunJson {
  info: { run_id: string; run_name?: string; experiment_id: string };
  data?: { metrics?: { key: string; value: number }[]; tags?: { key: string; value: string }[] };
}

/**
 * MLflow tracking REST on the workspace's tracking URI (azureml://<host>/mlflow/v1.0/... becomes
 * https://<host>/mlflow/v2.0/...), through the ARM client's pipeline: same token, same retries.
 */
export class MlflowClient {
  private constructor(
    private readonly clients: ArmClients,
    private readonly base: string,
  ) {}

  static async forWorkspace(clients: ArmClients, ws: WorkspaceRef): Promise<MlflowClient> {
    const workspace = await clients
      .rest()
      .request<{ properties?: { mlFlowTrackingUri?: string } }>(
        'GET',
        `/subscriptions/${ws.subscriptionId}/resourceGroups/${encodeURIComponent(ws.resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ws.workspace)}`,
        { operation: `Get workspace '${ws.workspace}'` },
      );
    const uri = workspace.body.properties?.mlFlowTrackingUri;
    if (!uri) throw new AzureError(`Workspace '${ws.workspace}' reports no MLflow tracking URI.`);
    const base = uri
      .replace(/^azureml:\/\//, 'https://')
      .replace('/mlflow/v1.0/', '/mlflow/v2.0/')
      .replace(/[?/]+$/, '');
    return new MlflowClient(clients, base);
  }

  private url(op: string): string {
    return `${this.base}/api/2.0/mlflow/${op}`;
  }

  async run(runId: string): Promise<RunJson | undefined> {
    try {
      const res = await this.clients
        .rest()
        .request<{ run: RunJson }>('GET', this.url(`runs/get?run_id=${encodeURIComponent(runId)}`), { operation: `Read MLflow run '${runId}'` });
      return res.body.run;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The child run of a pipeline run for step `step` (by run name or Azure ML node id). */
  async stepRun(parent: RunJson, step: string): Promise<RunJson | undefined> {
    const res = await this.clients.rest().request<{ runs?: RunJson[] }>('POST', this.url('runs/search'), {
      operation: `Search the MLflow runs of '${parent.info.run_id}'`,
      body: { experiment_ids: [parent.info.experiment_id], filter: `tags.mlflow.parentRunId = '${parent.info.run_id}'`, max_results: 1000 },
    });
    return res.body.runs?.find((r) => r.info.run_name === step || r.data?.tags?.some((t) => t.key === 'azureml.nodeid' && t.value === step));
  }

  /**
   * Why a run failed, from run history on the same host (`/history/v1.0/...runs/{id}/details`): the job resource
   * carries only its status. Undefined when run history has no error or cannot be read.
   */
  async failureReason(runId: string): Promise<string | undefined> {
    const url = `${this.base.replace('/mlflow/v2.0/', '/history/v1.0/')}/runs/${encodeURIComponent(runId)}/details`;
    const res = await this.clients
      .rest()
      .request<{ error?: { error?: { message?: string } } }>('GET', url, { operation: `Read the run details of '${runId}'` })
      .catch(() => undefined);
    return res?.body.error?.error?.message;
  }

  /** Last value per metric key of a pipeline run, or of its step `step` when given. */
  async metrics(runId: string, step?: string): Promise<{ metrics: Record<string, number>; runId: string } | undefined> {
    const root = await this.run(runId);
    if (!root) return undefined;
    const run = step ? await this.stepRun(root, step) : root;
    if (!run) throw new AzureError(`Job '${runId}' has no step '${step}' in MLflow (metricsSource).`);
    return { runId: run.info.run_id, metrics: Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, m.value])) };
  }
}
