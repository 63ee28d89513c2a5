import { workspacePath, type WorkspaceRef } from '../../../shared/aml/workspace';
import type { ArmClients } from '../../../shared/azure/arm-client';
import type { Plan } from '../../../shared/grouping/planner';
import type { Target } from './inputs';

/**
 * Azure ML's default online-endpoint quotas (its "Manage and increase quotas" page, 2026-01-27): managed endpoints
 * 100 per subscription and region with 500 deployments, 20 deployments per endpoint; Kubernetes online endpoints 60
 * per cluster with 100 deployments. A container is one endpoint with one deployment, two while blue/green swaps it.
 */
export const QUOTAS: Record<'managed' | 'kubernetes', { endpoints: number; deployments: number; scope: string }> = {
  managed: { endpoints: 100, deployments: 500, scope: 'subscription and region' },
  kubernetes: { endpoints: 60, deployments: 100, scope: 'Kubernetes cluster' },
};

export interface QuotaCheck {
  target: Target;
  limits?: { endpoints: number; deployments: number; scope: string };
  /** Endpoints at the peak of the rollout: every container of the plan (deleted ones go last) and the others. */
  endpoints: number;
  /** Deployments at the peak of the rollout: one per container, two for each one updated in place. */
  peakDeployments: number;
  problems: string[];
}

interface EndpointItem {
  name: string;
  location?: string;
  properties?: { compute?: string };
}

/**
 * The plan against the quotas of its target, counted before anything is written. The workspace's own endpoints are
 * the part of the subscription the connection can see: the count is a lower bound for other workspaces' endpoints.
 */
export async function checkQuotas(clients: ArmClients, ws: WorkspaceRef, plan: Plan, target: Target, computeId?: string): Promise<QuotaCheck> {
  if (target === 'aci') return { target, endpoints: 0, peakDeployments: 0, problems: [] };
  const limits = QUOTAS[target];
  const existing = await clients.rest().list<EndpointItem>(`${workspacePath(ws)}/onlineEndpoints`, 'List the online endpoints of the workspace');
  const sameScope = (e: EndpointItem) => (target === 'kubernetes' ? e.properties?.compute?.toLowerCase() === computeId?.toLowerCase() : !e.properties?.compute);
  const others = existing.filter((e) => sameScope(e) && !plan.containers.some((c) => c.name === e.name));
  const endpoints = plan.containers.length + others.length;
  const peakDeployments = plan.containers.length + plan.counts.update + others.length;
  const problems: string[] = [];
  if (endpoints > limits.endpoints)
    problems.push(
      `${endpoints} online endpoints (${plan.containers.length} in the plan + ${others.length} others in the workspace) exceed the quota of ${limits.endpoints} per ${limits.scope}: raise maxContainerSize or request more quota`,
    );
  if (peakDeployments > limits.deployments)
    problems.push(
      `${peakDeployments} deployments at the peak of the rollout exceed the quota of ${limits.deployments} per ${limits.scope}: lower the number of containers updated at once or request more quota`,
    );
  return { target, limits, endpoints, peakDeployments, problems };
}
