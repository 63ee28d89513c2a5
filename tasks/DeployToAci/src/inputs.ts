import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { CONTAINER_GROUP_NAME, type ContainerGroupRef } from '../../../shared/deploy/container-groups';
import type { InferenceContainerSpec, RegistryAuth } from '../../../shared/deploy/container-instance';
import { readDeploymentSource, requireEnvironmentAndCode, type DeploymentSource } from '../../../shared/deploy/deployment-source';
import { readDeploymentFile, type DeploymentFile } from '../../../shared/deploy/deployment-yaml';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';

export interface AciParams extends DeploymentSource {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  imageSource: 'modelPackage' | 'image';
  image?: string;
  group: ContainerGroupRef;
  location?: string;
  /** The container group's settings; the image and location are known only when the task runs. */
  container: Omit<InferenceContainerSpec, 'image' | 'location'>;
  overwrite: boolean;
  /** What the deployment YAML gives that a container group cannot take. */
  configWarnings: string[];
  /** The input that gave the registry access (for errors about it). */
  registryInput: InputName;
  deadlineMs: number;
  tags: Record<string, string>;
}

/** The deployment YAML's settings a container group has no place for, each named with its file:line. */
function aciWarnings(deployment: DeploymentFile): string[] {
  const used = ['$schema', 'name', 'endpoint_name', 'type', 'model', 'environment', 'code_configuration', 'environment_variables', 'tags', 'description'];
  return [
    ...deployment.warnings,
    ...Object.keys(deployment.where)
      .filter((k) => !used.includes(k))
      .map(
        (k) =>
          `${deployment.where[k]}: key '${k}' has no Azure Container Instances equivalent and is ignored (the container's size is the cpu and memoryGb inputs).`,
      ),
  ];
}

function readRegistry(inputs: TaskInputs<InputName>): RegistryAuth | undefined {
  const connection = inputs.optionalString('dockerRegistryConnection');
  const identity = inputs.optionalString('registryIdentity');
  if (connection && identity)
    throw new InputError('registryIdentity', "use either a managed identity or 'dockerRegistryConnection' for the registry, not both.");
  if (connection) {
    const url = inputs.platform.endpointUrl(connection);
    const auth = inputs.platform.endpointAuth(connection)?.parameters ?? {};
    if (!url || !auth.username || !auth.password)
      throw new InputError('dockerRegistryConnection', `service connection '${connection}' is not a Docker registry connection with a user name and password.`);
    inputs.platform.setSecret(auth.password);
    return { server: new URL(url.includes('://') ? url : `https://${url}`).host, username: auth.username, password: auth.password };
  }
  if (identity) {
    const server = inputs.requiredString('registryServer');
    if (!/\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\//i.test(identity)) {
      throw new InputError(
        'registryIdentity',
        `'${identity}' is not the resource id of a user-assigned managed identity (/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>).`,
      );
    }
    return { server, identity };
  }
  return undefined;
}

export function readInputs(inputs: TaskInputs<InputName>): AciParams {
  const { platform } = inputs;
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const imageSource = inputs.enumOf('imageSource', ['modelPackage', 'image'] as const, 'modelPackage');
  const name = inputs.requiredString('containerGroupName');
  if (!CONTAINER_GROUP_NAME.test(name)) {
    throw new InputError(
      'containerGroupName',
      `'${name}' is not a valid container group name: 1-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.`,
    );
  }
  const dnsNameLabel = inputs.optionalString('dnsNameLabel') ?? name;
  if (!CONTAINER_GROUP_NAME.test(dnsNameLabel))
    throw new InputError(
      'dnsNameLabel',
      `'${dnsNameLabel}' is not a valid DNS name label: lowercase letters, digits and single hyphens, at most 63 characters.`,
    );
  const file = inputs.existingFile('deploymentConfigFile', false);
  const deployment = file && imageSource === 'modelPackage' ? readDeploymentFile(file, 'deploymentConfigFile', 'managed') : undefined;
  const source = readDeploymentSource(inputs, deployment);
  if (imageSource === 'modelPackage') requireEnvironmentAndCode(source.environment, source.code, "a model package (imageSource 'modelPackage')");
  const secureEnvironmentVariables = inputs.keyValues('secureEnvironmentVariables', true);
  const tags = lineageTags(platform);
  return {
    ...source,
    configWarnings: deployment ? aciWarnings(deployment) : [],
    connection,
    workspace,
    imageSource,
    image: imageSource === 'image' ? inputs.requiredString('image') : undefined,
    group: { subscriptionId: connection.subscriptionId, resourceGroup: inputs.optionalString('containerResourceGroup') ?? workspace.resourceGroup, name },
    location: inputs.optionalString('location'),
    container: {
      cpu: inputs.positiveNumber('cpu', 1, 4),
      memoryGb: inputs.positiveNumber('memoryGb', 1.5, 16),
      dnsNameLabel,
      environmentVariables: {
        ...(deployment?.settings.environmentVariables as Record<string, string> | undefined),
        ...inputs.keyValues('environmentVariables'),
      },
      secureEnvironmentVariables,
      registry: readRegistry(inputs),
      subnetIds: inputs.lines('subnetIds').map((l) => l.text),
      tags,
    },
    overwrite: inputs.bool('overwrite', true),
    registryInput: inputs.optionalString('dockerRegistryConnection') ? 'dockerRegistryConnection' : 'registryServer',
    deadlineMs: inputs.int('timeoutMinutes', 20, { min: 1, max: 120 }) * 60_000,
    tags,
  };
}
