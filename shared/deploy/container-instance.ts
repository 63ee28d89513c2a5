import type { ArmClients } from '../azure/arm-client';
import type { Wait } from '../azure/lro';
import { workspaceRegistryLogin, type WorkspaceRef } from '../aml/workspace';
import { AzureError, InputError, TaskError, TimeoutError, errorMessage } from '../errors';
import { sendScoringRequest } from '../scoring/http';
import { containerLogs, deleteContainerGroup, findContainerGroup, getContainerGroup, putContainerGroup, type ContainerGroupRef } from './container-groups';

/** The container's name inside every group the tasks create. */
export const INFERENCE_CONTAINER = 'model';
const INFERENCE_PORT = 5001;

export interface RegistryAuth {
  server: string;
  identity?: string;
  username?: string;
  password?: string;
}

/** What runs in a container group: an inference image on port 5001 (GET / liveness, POST /score). */
export interface InferenceContainerSpec {
  image: string;
  location: string;
  cpu: number;
  memoryGb: number;
  dnsNameLabel: string;
  environmentVariables: Record<string, string>;
  secureEnvironmentVariables: Record<string, string>;
  registry?: RegistryAuth;
  subnetIds: string[];
  tags: Record<string, string>;
}

/**
 * How a container group pulls a model package's image, which lands in the workspace's registry: the registry
 * access the task was given when it names that registry, else the registry's admin login from the workspace's keys
 * (masked). Access given for another registry is an input error: a group takes one credential per container.
 */
export async function packageImageRegistry(
  clients: ArmClients,
  ws: WorkspaceRef,
  image: string,
  given: { auth?: RegistryAuth; input: string },
  secret: (value: string) => void,
): Promise<RegistryAuth> {
  const server = image.split('/')[0].toLowerCase();
  if (given.auth) {
    if (given.auth.server.toLowerCase() === server) return given.auth;
    throw new InputError(
      given.input,
      `the model package image '${image}' is in the workspace's registry '${server}', but the registry access given is for '${given.auth.server}'.`,
    );
  }
  const login = await workspaceRegistryLogin(clients, ws);
  if (!login) {
    throw new AzureError(
      `The workspace's registry '${server}' has no admin login to pull '${image}' with: give registryServer '${server}' and registryIdentity (a user-assigned identity with AcrPull on it).`,
    );
  }
  secret(login.password);
  return { server, ...login };
}

/** A deployment that did not come up, with the last lines of its logs for the failure report. */
export class DeploymentFailedError extends AzureError {
  constructor(
    message: string,
    readonly logs: string,
  ) {
    super(message);
  }
}

function groupBody(spec: InferenceContainerSpec): Record<string, unknown> {
  const probe = (initialDelaySeconds: number) => ({
    httpGet: { path: '/', port: INFERENCE_PORT, scheme: 'http' },
    initialDelaySeconds,
    periodSeconds: 10,
    failureThreshold: 6,
    timeoutSeconds: 5,
  });
  const { registry } = spec;
  const ports = [{ port: INFERENCE_PORT, protocol: 'TCP' }];
  return {
    location: spec.location,
    tags: spec.tags,
    ...(registry?.identity ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [registry.identity]: {} } } } : {}),
    properties: {
      osType: 'Linux',
      restartPolicy: 'Always',
      containers: [
        {
          name: INFERENCE_CONTAINER,
          properties: {
            image: spec.image,
            ports,
            resources: { requests: { cpu: spec.cpu, memoryInGB: spec.memoryGb } },
            environmentVariables: [
              ...Object.entries(spec.environmentVariables).map(([name, value]) => ({ name, value })),
              ...Object.entries(spec.secureEnvironmentVariables).map(([name, secureValue]) => ({ name, secureValue })),
            ],
            livenessProbe: probe(30),
            readinessProbe: probe(10),
          },
        },
      ],
      ipAddress: spec.subnetIds.length ? { type: 'Private', ports } : { type: 'Public', ports, dnsNameLabel: spec.dnsNameLabel },
      ...(spec.subnetIds.length ? { subnetIds: spec.subnetIds.map((id) => ({ id })) } : {}),
      ...(registry
        ? {
            imageRegistryCredentials: [
              registry.identity
                ? { server: registry.server, identity: registry.identity }
                : { server: registry.server, username: registry.username, password: registry.password },
            ],
          }
        : {}),
    },
  };
}

/** Status of the inference server's liveness route; 0 when it gives no answer. */
async function liveness(url: string): Promise<number> {
  try {
    return (await sendScoringRequest({ url, method: 'GET', headers: {}, timeoutMs: 5_000 })).status;
  } catch {
    return 0;
  }
}

/** Provisions the group and waits until its inference server answers GET /; a failure carries its last log lines. */
async function provision(
  clients: ArmClients,
  ref: ContainerGroupRef,
  spec: InferenceContainerSpec,
  wait: Wait,
): Promise<{ scoringUri: string; host: string; id: string }> {
  const started = wait.clock.now();
  try {
    await putContainerGroup(clients, ref, groupBody(spec), wait);
    const group = await getContainerGroup(clients, ref);
    const base = `http://${group.host}:${group.port}`;
    for (let attempt = 1; ; attempt++) {
      const status = await liveness(`${base}/`);
      if (status === 200) break;
      if (wait.clock.now() - started > wait.deadlineMs)
        throw new TimeoutError(
          `Container group '${ref.name}' did not answer its liveness route ${base}/ within ${Math.round(wait.deadlineMs / 60_000)} min (last: ${status || 'no answer'}).`,
        );
      wait.progress(`Waiting for the inference server at ${base}/ (${status || 'no answer'}).`);
      await wait.clock.sleep(Math.min(10_000, 1_000 * attempt));
    }
    return { scoringUri: `${base}/score`, host: group.host, id: group.id };
  } catch (err) {
    const logs = await containerLogs(clients, ref, INFERENCE_CONTAINER);
    throw new DeploymentFailedError(err instanceof TaskError ? err.message : `Deploying container group '${ref.name}' failed: ${errorMessage(err)}`, logs);
  }
}

/** The name of the trial group a serving group's replacement is proven in (also its DNS label). */
export function trialName(name: string): string {
  return `${name.slice(0, 58).replace(/-+$/, '')}-next`;
}

/** What decides whether a live group already runs this spec: image, resources, plain variables, secure names. */
function definition(container: { image?: string; resources?: unknown; environmentVariables?: { name: string; value?: string | null }[] } | undefined): string {
  const env = (container?.environmentVariables ?? []).map((v) => `${v.name}=${typeof v.value === 'string' ? v.value : '(secure)'}`).sort();
  return JSON.stringify([container?.image, container?.resources, env]);
}

/** Whether the group exists, serves (answers its liveness route) and runs a different definition than `spec`. */
async function servesSomethingElse(clients: ArmClients, ref: ContainerGroupRef, spec: InferenceContainerSpec): Promise<boolean> {
  const live = await findContainerGroup(clients, ref);
  if (!live || live.info.provisioningState !== 'Succeeded') return false;
  const wanted = (groupBody(spec).properties as { containers: { properties: Parameters<typeof definition>[0] }[] }).containers[0].properties;
  if (definition(live.container) === definition(wanted)) return false;
  return (await liveness(`http://${live.info.host}:${live.info.port}/`)) === 200;
}

/**
 * Creates or updates a container group running the inference image and waits until ARM has provisioned it and
 * its inference server answers GET /. A group that serves another version is replaced in place (its address
 * stays) only after the new definition has come up in a trial group beside it; a trial that fails leaves the
 * serving group untouched. A failure carries the container's last log lines.
 */
export async function deployInferenceContainer(
  clients: ArmClients,
  ref: ContainerGroupRef,
  spec: InferenceContainerSpec,
  wait: Wait,
): Promise<{ scoringUri: string; host: string; id: string }> {
  if (await servesSomethingElse(clients, ref, spec)) {
    const trial = { ...ref, name: trialName(ref.name) };
    wait.progress(
      `Container group '${ref.name}' is serving: the new version starts in the trial group '${trial.name}' first and replaces it only once it answers.`,
    );
    try {
      await provision(clients, trial, { ...spec, dnsNameLabel: trialName(spec.dnsNameLabel), tags: { ...spec.tags, TrialOf: ref.name } }, wait);
    } catch (err) {
      const message = `The new version of container group '${ref.name}' did not come up in its trial group '${trial.name}', so '${ref.name}' keeps serving the previous version: ${errorMessage(err)}`;
      throw new DeploymentFailedError(message, err instanceof DeploymentFailedError ? err.logs : '');
    } finally {
      await deleteContainerGroup(clients, trial, wait).catch((err: unknown) =>
        wait.progress(`Could not delete the trial group '${trial.name}' (${errorMessage(err)}); delete it by hand.`),
      );
    }
    wait.progress(`The trial group answered; replacing '${ref.name}'.`);
  }
  return provision(clients, ref, spec, wait);
}
