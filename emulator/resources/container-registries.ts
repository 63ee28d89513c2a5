import { fail, json, route, type Route } from '../kit/http';
import { MCR_REPOSITORIES, PUBLIC_REPOSITORIES, WORKSPACE_IDENTITY, WORKSPACE_REGISTRY } from '../kit/registries';
import { secretValue, type EmulatorState } from '../kit/state';
import type { ResourceFamily } from './family';

/** The user-assigned identity the samples give their container groups to pull from the workspace's registry. */
export function acrPullIdentity(state: EmulatorState): string {
  const ws = state.defaultWorkspace;
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-pull`;
}

function seedRegistries(state: EmulatorState): void {
  state.registries.set('mcr.microsoft.com', { server: 'mcr.microsoft.com', anonymous: true, images: new Set(MCR_REPOSITORIES), pullIdentities: new Set() });
  for (const [server, repositories] of Object.entries(PUBLIC_REPOSITORIES))
    state.registries.set(server, { server, anonymous: true, images: new Set(repositories), pullIdentities: new Set() });
  state.registries.set(WORKSPACE_REGISTRY, {
    server: WORKSPACE_REGISTRY,
    anonymous: false,
    images: new Set(),
    username: WORKSPACE_REGISTRY.split('.')[0],
    password: secretValue('acrpw-'),
    pullIdentities: new Set([acrPullIdentity(state).toLowerCase(), WORKSPACE_IDENTITY]),
  });
}

/** ACR's admin credentials (`registries/listCredentials`), for registries whose admin user is enabled. */
function registryRoutes(state: EmulatorState): Route[] {
  return [
    route('POST', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}/listCredentials', (req) => {
      const registry = state.registries.get(`${req.params.name.toLowerCase()}.azurecr.io`);
      if (!registry) fail(404, 'ResourceNotFound', `The Resource 'Microsoft.ContainerRegistry/registries/${req.params.name}' was not found.`);
      if (!registry.password) fail(400, 'UnsupportedAdminUser', `The admin user of registry '${req.params.name}' is disabled.`);
      return json(200, { username: registry.username, passwords: [{ name: 'password', value: registry.password }] });
    }),
  ];
}

export const containerRegistries: ResourceFamily = { name: 'container registries', routes: ({ state }) => registryRoutes(state), seed: seedRegistries };
