import { workspacePath, type WorkspaceRef } from './workspace';

/**
 * Links into Azure Machine Learning studio for the run summaries (public cloud studio; sovereign clouds have their
 * own studio host). The workspace is addressed by its ARM id, as the studio's own links do (`wsid=`).
 */
const STUDIO = 'https://ml.azure.com';

const wsid = (ws: WorkspaceRef) => `wsid=${workspacePath(ws)}`;

export function studioJobUrl(ws: WorkspaceRef, job: string): string {
  return `${STUDIO}/runs/${encodeURIComponent(job)}?${wsid(ws)}`;
}

export function studioModelUrl(ws: WorkspaceRef, model: string, version: string): string {
  return `${STUDIO}/model/${encodeURIComponent(`${model}:${version}`)}/details?${wsid(ws)}`;
}

export function studioEndpointUrl(ws: WorkspaceRef, endpoint: string): string {
  return `${STUDIO}/endpoints/realtime/${encodeURIComponent(endpoint)}/detail?${wsid(ws)}`;
}

/** The studio page of an online endpoint from its ARM id; nothing for another kind of resource. */
export function studioUrlOfEndpointId(resourceId: string): string | undefined {
  const m =
    /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+)\/onlineEndpoints\/([^/]+)$/i.exec(
      resourceId,
    );
  return m ? `${STUDIO}/endpoints/realtime/${m[2]}/detail?wsid=${m[1]}` : undefined;
}
