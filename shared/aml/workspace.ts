import type { ArmClients } from '../azure/arm-client';
import { isNotFound } from '../azure/arm-error';
import type { ArmConnection } from '../azure/connection';
import type { TaskInputs } from '../platform/inputs';
import { InputError } from '../errors';

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

/** Resource group and workspace from the inputs, falling back to a workspace-scoped connection. */
export function readWorkspace(inputs: TaskInputs, connection: ArmConnection): WorkspaceRef {
  const resourceGroup = inputs.optionalString('resourceGroupName') ?? connection.resourceGroup;
  const workspace = inputs.optionalString('workspaceName') ?? connection.workspace;
  const why = 'is required unless the service connection is scoped to a Machine Learning workspace.';
  if (!resourceGroup) throw new InputError('resourceGroupName', why);
  if (!workspace) throw new InputError('workspaceName', why);
  return { subscriptionId: connection.subscriptionId, resourceGroup, workspace };
}

export function workspacePath(ws: WorkspaceRef): string {
  return (
    `/subscriptions/${ws.subscriptionId}/resourceGroups/${encodeURIComponent(ws.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ws.workspace)}`
  );
}

export interface WorkspaceInfo {
  id: string;
  location: string;
}

/**
 * The workspace, read first by every task that works in one: a resource group or workspace that does not exist
 * (or that the connection cannot see) is an input error, reported before anything is written.
 */
export async function checkWorkspace(clients: ArmClients, ws: WorkspaceRef): Promise<WorkspaceInfo> {
  try {
    const res = await clients.rest().request<WorkspaceInfo>('GET', workspacePath(ws), { operation: `Get workspace '${ws.workspace}'` });
    return res.body;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if ((err as { details?: { code?: string } }).details?.code === 'ResourceGroupNotFound') {
      throw new InputError(
        'resourceGroupName',
        `resource group '${ws.resourceGroup}' does not exist in subscription '${ws.subscriptionId}', or the service connection cannot see it.`,
      );
    }
    throw new InputError(
      'workspaceName',
      `workspace '${ws.workspace}' does not exist in resource group '${ws.resourceGroup}', or the service connection cannot see it.`,
    );
  }
}

export interface RegistryLogin {
  username: string;
  password: string;
}

/**
 * The admin login of the workspace's container registry, from the workspace's `listKeys` action
 * (ListWorkspaceKeysResult.containerRegistryCredentials); undefined when the registry's admin user is disabled.
 */
export async function workspaceRegistryLogin(clients: ArmClients, ws: WorkspaceRef): Promise<RegistryLogin | undefined> {
  const res = await clients
    .rest()
    .request<{ containerRegistryCredentials?: { username?: string; passwords?: { value?: string }[] } }>('POST', `${workspacePath(ws)}/listKeys`, {
      operation: `List the keys of workspace '${ws.workspace}'`,
    });
  const credentials = res.body.containerRegistryCredentials;
  const password = credentials?.passwords?.find((p) => p.value)?.value;
  return credentials?.username && password ? { username: credentials.username, password } : undefined;
}
