import type { ArmClients } from '../../../shared/azure/arm-client';
import { workspacePath, type WorkspaceRef } from '../../../shared/aml/workspace';
import { InputError } from '../../../shared/errors';

export interface JobResource {
  id: string;
  name: string;
  properties: {
    status?: string;
    experimentName?: string;
    displayName?: string;
    tags?: Record<string, string>;
    jobType?: string;
    outputs?: Record<string, unknown>;
  };
}

export function jobPath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/jobs/${encodeURIComponent(name)}`;
}

export async function getJob(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<JobResource> {
  const job = await clients.rest().tryGet<JobResource>(jobPath(ws, name), `Get job '${name}'`);
  if (!job) throw new InputError('jobName', `job '${name}' does not exist in workspace '${ws.workspace}'.`);
  return job;
}

/** The newest job carrying tag `key=value` (e.g. the plan id the agentless task stamps). */
export async function latestJobWithTag(clients: ArmClients, ws: WorkspaceRef, key: string, value: string): Promise<JobResource | undefined> {
  const page = await clients
    .rest()
    .request<{ value?: JobResource[] }>('GET', `${workspacePath(ws)}/jobs?tag=${encodeURIComponent(`${key}=${value}`)}&jobType=Pipeline`, {
      operation: `List jobs tagged ${key}=${value}`,
    });
  return page.body.value?.find((j) => j.properties.tags?.[key] === value);
}
