import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from '../azure/connection';
import { AzureError } from '../errors';

export type EndpointAuthMode = 'Key' | 'AMLToken' | 'AADToken';

export interface OnlineEndpointInfo {
  name: string;
  authMode: EndpointAuthMode;
  scoringUri: string;
  traffic: Record<string, number>;
  /** The attached Kubernetes compute; absent for managed endpoints. */
  compute?: string;
  provisioningState?: string;
}

export function endpointPath(ws: WorkspaceRef, name: string): string {
  return `${workspacePath(ws)}/onlineEndpoints/${encodeURIComponent(name)}`;
}

export async function getOnlineEndpoint(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<OnlineEndpointInfo> {
  const { body } = await clients.rest().request<{ properties: { authMode?: string; scoringUri?: string; traffic?: Record<string, number>; compute?: string; provisioningState?: string } }>('GET', endpointPath(ws, name), {
    operation: `Get online endpoint '${name}' in workspace '${ws.workspace}'`,
  });
  const props = body.properties;
  if (!props.scoringUri) throw new AzureError(`Online endpoint '${name}' has no scoring URI yet (state: ${props.provisioningState ?? 'unknown'}).`);
  return {
    name,
    authMode: props.authMode as EndpointAuthMode,
    scoringUri: props.scoringUri,
    traffic: props.traffic ?? {},
    compute: props.compute,
    provisioningState: props.provisioningState,
  };
}

/** The endpoint's primary key (Key auth). */
export async function getEndpointKey(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const { body: keys } = await clients.rest().request<{ primaryKey?: string }>('POST', `${endpointPath(ws, name)}/listKeys`, { operation: `List keys of online endpoint '${name}'` });
  if (!keys.primaryKey) throw new AzureError(`Online endpoint '${name}' returned no primary key.`);
  return keys.primaryKey;
}

/** A fresh Azure ML token for the endpoint (AMLToken auth). */
export async function getEndpointToken(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const { body: token } = await clients.rest().request<{ accessToken?: string }>('POST', `${endpointPath(ws, name)}/token`, { operation: `Get a token for online endpoint '${name}'` });
  if (!token.accessToken) throw new AzureError(`Online endpoint '${name}' returned no access token.`);
  return token.accessToken;
}
