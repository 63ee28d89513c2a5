import { asyncOperationHeaders, page, whenIdle } from '../kit/arm';
import { pullRefusal, type PullCredential } from '../kit/registries';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { assetById, rememberSecret, type ContainerGroup, type EmulatorState } from '../kit/state';
import { lastLines, startScoringServer, stopper } from '../runtime/inference-server';
import { startEchoServer } from '../runtime/scoring';
import type { ResourceFamily } from './family';

const ACI = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups/{name}';

function groupKey(req: EmulatorRequest): string {
  return `${req.params.sub}/${req.params.rg}/${req.params.name}`.toLowerCase();
}

const GROUP_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

interface GroupBody {
  location?: string;
  tags?: Record<string, string>;
  identity?: { userAssignedIdentities?: Record<string, unknown> };
  properties?: Record<string, unknown>;
}

/** The secure values and registry passwords a group PUT carries, registered before anything can refuse it. */
function rememberGroupSecrets(req: EmulatorRequest): void {
  const props = ((req.body ?? {}) as GroupBody).properties ?? {};
  for (const cred of (props.imageRegistryCredentials ?? []) as { password?: string }[]) rememberSecret(cred.password);
  for (const c of (props.containers ?? []) as { properties?: { environmentVariables?: { secureValue?: string }[] } }[])
    for (const v of c.properties?.environmentVariables ?? []) rememberSecret(v.secureValue);
}

/** ACI's checks of a container group PUT: the resource group, the name, containers, registry identities. */
function validateGroup(state: EmulatorState, req: EmulatorRequest): { body: GroupBody; props: Record<string, unknown> } {
  const { sub, rg, name } = req.params;
  if (!state.workspaces.some((w) => w.subscriptionId === sub && w.resourceGroup.toLowerCase() === rg.toLowerCase())) {
    fail(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  if (!GROUP_NAME.test(name) || name.includes('--')) {
    fail(
      400,
      'ContainerGroupNameInvalid',
      `The container group name '${name}' is invalid. It must be 1-63 lowercase letters, digits or single hyphens, and start and end with a letter or digit.`,
    );
  }
  const body = (req.body ?? {}) as {
    location?: string;
    tags?: Record<string, string>;
    identity?: { userAssignedIdentities?: Record<string, unknown> };
    properties?: Record<string, unknown>;
  };
  const props = { ...(body.properties ?? {}) };
  if (!Array.isArray(props.containers) || props.containers.length === 0) fail(400, 'ContainerGroupContainersMissing', 'At least one container is required.');
  for (const cred of (props.imageRegistryCredentials ?? []) as { server: string; identity?: string }[]) {
    if (cred.identity && !Object.keys(body.identity?.userAssignedIdentities ?? {}).some((id) => id.toLowerCase() === cred.identity?.toLowerCase())) {
      fail(
        400,
        'InvalidImageRegistryCredentialIdentity',
        `The identity '${cred.identity}' of the registry credential for '${cred.server}' is not assigned to the container group.`,
      );
    }
  }
  if (!body.location) fail(400, 'LocationRequired', 'The location property is required for this definition.');
  // ACI's wording for both, as `az container create` users report them (Azure CLI issues 30439 and 30496).
  if (props.osType !== 'Linux' && props.osType !== 'Windows')
    fail(400, 'InvalidOsType', `The 'osType' for container group '${props.osType ?? '<null>'}' is invalid. The value must be one of 'Windows,Linux'.`);
  const ipAddress = props.ipAddress as { ports?: unknown[] } | undefined;
  if (ipAddress && !ipAddress.ports?.length) fail(400, 'MissingIpAddressPorts', `The ports in the 'ipAddress' of container group '${name}' cannot be empty.`);
  for (const c of props.containers as { name: string; properties: { resources?: { requests?: { cpu?: number; memoryInGB?: number } } } }[]) {
    const requests = c.properties.resources?.requests;
    if (!requests?.cpu || !requests.memoryInGB)
      fail(
        400,
        'ResourceRequestsNotSpecified',
        `The resource requests are not specified in container '${c.name}' of contain group '${name}'. Both memory and CPU requests are required since API version '2017-07-01-preview'.`,
      );
  }
  // ACI refuses at once a group whose image it cannot pull (InaccessibleImage, as its error reads in Azure SDK and CLI reports).
  const credentials = (props.imageRegistryCredentials ?? []) as PullCredential[];
  for (const c of props.containers as { properties: { image: string } }[]) {
    if (pullRefusal(state, c.properties.image, credentials)) {
      fail(
        400,
        'InaccessibleImage',
        `The image '${c.properties.image}' in container group '${name}' is not accessible. Please check the image and registry credential.`,
      );
    }
  }
  return { body, props };
}

async function putContainerGroup(state: EmulatorState, req: EmulatorRequest): Promise<EmulatorResponse> {
  const { sub, rg, name } = req.params;
  rememberGroupSecrets(req);
  const { body, props } = validateGroup(state, req);
  const key = groupKey(req);
  const existing = state.containerGroups.get(key);
  const container = (
    props.containers as { name: string; properties: { image: string; environmentVariables?: { name: string; value?: string; secureValue?: string }[] } }[]
  )[0];
  const image = container.properties.image;
  const reuse = existing && existing.image === image && existing.port !== undefined;
  if (existing && !reuse) await existing.stop?.();
  const running = reuse ? undefined : await startContainer(state, name, image, container.properties.environmentVariables ?? []);
  const port = reuse ? existing.port : running?.port;
  const ip = (props.ipAddress ?? {}) as Record<string, unknown>;
  props.ipAddress = { ...ip, ip: '127.0.0.1', fqdn: '127.0.0.1', ports: port === undefined ? [] : [{ protocol: 'TCP', port }] };
  props.provisioningState = 'Pending';
  props.instanceView = { state: 'Pending', events: [] };
  for (const c of props.containers as { properties: { environmentVariables?: { secureValue?: string }[] } }[]) {
    // Secure values are never returned by GET, as in ACI.
    for (const v of c.properties.environmentVariables ?? []) {
      if (v.secureValue !== undefined) v.secureValue = undefined;
    }
  }
  const resource: Record<string, unknown> = {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`,
    name,
    type: 'Microsoft.ContainerInstance/containerGroups',
    location: body.location ?? 'westeurope',
    tags: body.tags ?? {},
    ...(body.identity ? { identity: body.identity } : {}),
    properties: props,
  };
  for (const cred of (props.imageRegistryCredentials ?? []) as { password?: string }[]) delete cred.password;
  const group: ContainerGroup = {
    subscriptionId: sub,
    resourceGroup: rg,
    name,
    resource,
    port,
    image,
    logs: running?.logs ?? existing?.logs,
    stop: running?.stop ?? existing?.stop,
  };
  if (running) state.stopOnClose.push(running.stop);
  state.containerGroups.set(key, group);
  const failed = port === undefined;
  const opId = state.startOperation({
    outcome: failed ? 'Failed' : 'Succeeded',
    resource: req.path.toLowerCase(),
    error: failed
      ? { code: 'ContainerGroupFailed', message: `Container '${container.name}' terminated: ${(group.logs?.() ?? '').trim().split('\n').pop() ?? 'no output'}` }
      : undefined,
    complete: () => {
      props.provisioningState = 'Succeeded';
      props.instanceView = { state: 'Running', events: [] };
    },
  });
  if (failed) {
    props.provisioningState = 'Failed';
    props.instanceView = { state: 'Terminated', events: [{ name: 'Terminated', message: 'The container exited.' }] };
  }
  return json(existing ? 200 : 201, resource, asyncOperationHeaders(state, req, 'Microsoft.ContainerInstance', String(resource.location), opId));
}

/**
 * Starts what a container group's image would run: the inference server with the packaged model and scoring code
 * for an image built by model package, else the echo model.
 */
async function startContainer(
  state: EmulatorState,
  group: string,
  image: string,
  env: { name: string; value?: string; secureValue?: string }[],
): Promise<{ port?: number; logs: () => string; stop: () => Promise<void> }> {
  const pkg = state.packages.get(image);
  if (!pkg) {
    const echo = await startEchoServer({ containerGroup: group });
    return { port: echo.port, logs: () => 'echo model listening\n', stop: echo.stop };
  }
  const code = assetById(state, pkg.codeId);
  const vars = { ...pkg.environmentVariables, ...Object.fromEntries(env.map((v) => [v.name, v.value ?? v.secureValue ?? ''])) };
  const server = await startScoringServer(state, group, {
    codeUri: String(code?.resource.properties.codeUri ?? ''),
    scoringScript: pkg.scoringScript,
    modelDir: pkg.modelDir,
    environmentVariables: vars,
  });
  return { port: server.port, logs: server.logs, stop: stopper(server) };
}

/** The group a request names, or ARM's 404. */
function groupOf(state: EmulatorState, req: EmulatorRequest): ContainerGroup {
  const group = state.containerGroups.get(groupKey(req));
  if (!group) {
    fail(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.ContainerInstance/containerGroups/${req.params.name}' under resource group '${req.params.rg}' was not found.`,
    );
  }
  return group;
}

/** Azure Container Instances container groups that run their image's stand-in, with logs. */
function groupRoutes(state: EmulatorState): Route[] {
  return [
    route('GET', ACI, (req) => {
      const group = groupOf(state, req);
      return json(200, group.resource);
    }),
    route(
      'PUT',
      ACI,
      whenIdle(state, (req) => putContainerGroup(state, req)),
    ),
    route(
      'DELETE',
      ACI,
      whenIdle(state, (req) => {
        const key = groupKey(req);
        const group = state.containerGroups.get(key);
        if (!group) return { status: 204 };
        state.containerGroups.delete(key);
        void group.stop?.();
        return json(200, group.resource);
      }),
    ),
    route('GET', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/containerGroups', (req) => {
      const prefix = `${req.params.sub}/${req.params.rg}/`.toLowerCase();
      const groups = [...state.containerGroups.entries()].filter(([key]) => key.startsWith(prefix)).map(([, g]) => g.resource);
      return page(req, groups, state.pageSize);
    }),
    route('GET', `${ACI}/containers/{container}/logs`, (req) => {
      const group = groupOf(state, req);
      return json(200, { content: lastLines(group.logs?.() ?? '', Number(req.url.searchParams.get('tail') ?? '0')) });
    }),
  ];
}

export const containerGroups: ResourceFamily = { name: 'container groups', routes: ({ state }) => groupRoutes(state) };
