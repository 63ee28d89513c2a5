import { armCall, type ArmClients } from '../azure/arm-client';
import type { WorkspaceRef } from '../azure/connection';
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

export async function getOnlineEndpoint(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<OnlineEndpointInfo> {
  const endpoint = await armCall(`Get online endpoint '${name}' in workspace '${ws.workspace}'`, () =>
    clients.ml().onlineEndpoints.get(ws.resourceGroup, ws.workspace, name),
  );
  const props = endpoint.properties;
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
  const keys = await armCall(`List keys of online endpoint '${name}'`, () =>
    clients.ml().onlineEndpoints.listKeys(ws.resourceGroup, ws.workspace, name),
  );
  if (!keys.primaryKey) throw new AzureError(`Online endpoint '${name}' returned no primary key.`);
  return keys.primaryKey;
}

/** A fresh Azure ML token for the endpoint (AMLToken auth). */
export async function getEndpointToken(clients: ArmClients, ws: WorkspaceRef, name: string): Promise<string> {
  const token = await armCall(`Get a token for online endpoint '${name}'`, () =>
    clients.ml().onlineEndpoints.getToken(ws.resourceGroup, ws.workspace, name),
  );
  if (!token.accessToken) throw new AzureError(`Online endpoint '${name}' returned no access token.`);
  return token.accessToken;
}
