import * as fs from 'node:fs';
import * as path from 'node:path';
import { readArmConnection, readWorkspace, type ArmConnection, type WorkspaceRef } from '../../../shared/azure/connection';
import { CONTAINER_GROUP_NAME, type ContainerGroupRef } from '../../../shared/deploy/container-groups';
import type { EnvironmentSpec } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import type { TaskInputs } from '../../../shared/platform/inputs';

export interface RegistryAuth {
  server: string;
  identity?: string;
  username?: string;
  password?: string;
}

export interface AciParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  modelName: string;
  modelVersion?: string;
  productionTag: { key: string; value: string };
  imageSource: 'modelPackage' | 'image';
  environment?: EnvironmentSpec;
  codePath?: string;
  scoringScript: string;
  image?: string;
  group: ContainerGroupRef;
  location?: string;
  cpu: number;
  memoryGb: number;
  dnsNameLabel: string;
  environmentVariables: Record<string, string>;
  secureEnvironmentVariables: Record<string, string>;
  registry?: RegistryAuth;
  subnetIds: string[];
  overwrite: boolean;
  deadlineMs: number;
  tags: Record<string, string>;
}

function positive(inputs: TaskInputs, name: string, fallback: number, max: number): number {
  const raw = inputs.optionalString(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new InputError(name, `'${raw}' is not valid; expected a number greater than 0 and at most ${max}.`);
  return value;
}

function readEnvironment(inputs: TaskInputs): EnvironmentSpec | undefined {
  const raw = inputs.optionalString('environment');
  if (!raw) return undefined;
  const registered = /^azureml:([\w.-]+):([\w.-]+)$/.exec(raw);
  if (registered) return { kind: 'registered', name: registered[1], version: registered[2] };
  if (raw.startsWith('azureml:')) throw new InputError('environment', `'${raw}' is not valid; use azureml:<name>:<version> or an image reference such as mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest.`);
  const condaFile = inputs.existingFile('condaFile', false);
  return { kind: 'image', image: raw, condaFile: condaFile ? fs.readFileSync(condaFile, 'utf8') : undefined };
}

function readRegistry(inputs: TaskInputs): RegistryAuth | undefined {
  const connection = inputs.optionalString('dockerRegistryConnection');
  const identity = inputs.optionalString('registryIdentity');
  if (connection && identity) throw new InputError('registryIdentity', "use either a managed identity or 'dockerRegistryConnection' for the registry, not both.");
  if (connection) {
    const url = inputs.platform.endpointUrl(connection);
    const auth = inputs.platform.endpointAuth(connection)?.parameters ?? {};
    if (!url || !auth.username || !auth.password) throw new InputError('dockerRegistryConnection', `service connection '${connection}' is not a Docker registry connection with a user name and password.`);
    inputs.platform.setSecret(auth.password);
    return { server: new URL(url.includes('://') ? url : `https://${url}`).host, username: auth.username, password: auth.password };
  }
  if (identity) {
    const server = inputs.requiredString('registryServer');
    if (!/\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\//i.test(identity)) {
      throw new InputError('registryIdentity', `'${identity}' is not the resource id of a user-assigned managed identity (/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>).`);
    }
    return { server, identity };
  }
  return undefined;
}

export function readInputs(inputs: TaskInputs): AciParams {
  const { platform } = inputs;
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const imageSource = inputs.enumOf('imageSource', ['modelPackage', 'image'] as const, 'modelPackage');
  const name = inputs.requiredString('containerGroupName');
  if (!CONTAINER_GROUP_NAME.test(name)) {
    throw new InputError('containerGroupName', `'${name}' is not a valid container group name: 1-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.`);
  }
  const dnsNameLabel = inputs.optionalString('dnsNameLabel') ?? name;
  if (!CONTAINER_GROUP_NAME.test(dnsNameLabel)) throw new InputError('dnsNameLabel', `'${dnsNameLabel}' is not a valid DNS name label: lowercase letters, digits and single hyphens, at most 63 characters.`);
  const tag = inputs.optionalString('productionTag') ?? 'lifecycle=production';
  const eq = tag.indexOf('=');
  if (eq <= 0) throw new InputError('productionTag', `'${tag}' is not of the form key=value, e.g. lifecycle=production.`);
  const environment = readEnvironment(inputs);
  let codePath: string | undefined;
  if (imageSource === 'modelPackage') {
    if (!environment) throw new InputError('environment', "is required with imageSource 'modelPackage': azureml:<name>:<version> or a base image reference.");
    codePath = path.resolve(inputs.requiredString('codePath'));
    if (!fs.existsSync(codePath) || !fs.statSync(codePath).isDirectory()) throw new InputError('codePath', `folder '${codePath}' does not exist.`);
  }
  const scoringScript = inputs.optionalString('scoringScript') ?? 'score.py';
  if (codePath && !fs.existsSync(path.join(codePath, scoringScript))) throw new InputError('scoringScript', `'${scoringScript}' is not in the code folder '${codePath}'.`);
  const secureEnvironmentVariables = inputs.keyValues('secureEnvironmentVariables', true);
  return {
    connection,
    workspace,
    modelName: inputs.requiredString('modelName'),
    modelVersion: inputs.optionalString('modelVersion'),
    productionTag: { key: tag.slice(0, eq), value: tag.slice(eq + 1) },
    imageSource,
    environment,
    codePath,
    scoringScript,
    image: imageSource === 'image' ? inputs.requiredString('image') : undefined,
    group: { subscriptionId: connection.subscriptionId, resourceGroup: inputs.optionalString('containerResourceGroup') ?? workspace.resourceGroup, name },
    location: inputs.optionalString('location'),
    cpu: positive(inputs, 'cpu', 1, 4),
    memoryGb: positive(inputs, 'memoryGb', 1.5, 16),
    dnsNameLabel,
    environmentVariables: inputs.keyValues('environmentVariables'),
    secureEnvironmentVariables,
    registry: readRegistry(inputs),
    subnetIds: inputs.lines('subnetIds').map((l) => l.text),
    overwrite: inputs.bool('overwrite', true),
    deadlineMs: inputs.int('timeoutMinutes', 20, { min: 1, max: 120 }) * 60_000,
    tags: lineageTags(platform),
  };
}
