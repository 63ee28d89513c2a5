import * as fs from 'node:fs';
import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { mlflowSampleRequest, readDeploymentSource, type DeploymentSource } from '../../../shared/deploy/deployment-source';
import { readDeploymentFile, type DeploymentFile } from '../../../shared/deploy/deployment-yaml';
import { readEndpointFile, type EndpointFile } from '../../../shared/deploy/endpoint-yaml';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';
import { loadDeploymentConfig, type DeploymentSettings } from './deployment-config';

export interface AksParams extends DeploymentSource {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  endpointName: string;
  /** The deployment name asked for; `fromFile` when only the YAML named it (a live one is then not reused). */
  deploymentName?: string;
  deploymentNameFromFile?: boolean;
  computeType: 'kubernetes' | 'managed';
  computeName?: string;
  endpoint?: EndpointFile;
  settings: DeploymentSettings;
  configWarnings: string[];
  authMode: 'key' | 'aml_token' | 'aad_token';
  trafficStrategy: 'replace' | 'canary' | 'none';
  canarySteps: number[];
  smokePayload: string;
  deleteOldDeployment: boolean;
  deadlineMs: number;
  /** Lineage tags (pipeline, run, commit) for what the task creates. */
  tags: Record<string, string>;
  /** The deployment YAML's own tags, for the deployment only. */
  deploymentTags: Record<string, string>;
}

/** Online endpoint and deployment names: 3-32 letters, digits and '-', starting with a letter. */
const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

function checkName(input: InputName, kind: string, value: string | undefined, from: string): void {
  if (value && !NAME.test(value))
    throw new InputError(input, `'${value}'${from} is not a valid ${kind} name: 3-32 letters, digits and '-', starting with a letter.`);
}

function readSteps(inputs: TaskInputs<InputName>): number[] {
  const raw = inputs.optionalString('canarySteps') ?? '10,50,100';
  const steps = raw
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  const valid =
    steps.length > 0 && steps.every((s, i) => Number.isInteger(s) && s > 0 && s <= 100 && (i === 0 || s > steps[i - 1])) && steps[steps.length - 1] === 100;
  if (!valid) throw new InputError('canarySteps', `'${raw}' is not valid; expected rising whole percentages ending at 100, e.g. 10,50,100.`);
  return steps;
}

/**
 * The compute type: the input, else the deployment YAML's type, else Kubernetes when the endpoint YAML or
 * computeName names a compute, else managed for a deployment YAML (az ml's default).
 */
function readComputeType(inputs: TaskInputs<InputName>, deployment: DeploymentFile | undefined, endpoint: EndpointFile | undefined, hasFile: boolean) {
  if (inputs.optionalString('computeType')) return inputs.enumOf('computeType', ['kubernetes', 'managed'] as const, 'kubernetes');
  if (deployment?.type) return deployment.type;
  if (endpoint?.computeName || inputs.optionalString('computeName')) return 'kubernetes';
  if (hasFile) return 'managed';
  throw new InputError('computeType', 'is required without a deployment YAML: kubernetes (with computeName) or managed.');
}

function readSmokePayload(inputs: TaskInputs<InputName>, source: DeploymentSource): string {
  const file = inputs.existingFile('smokeRequestFile', false);
  const inline = inputs.optionalString('smokePayload');
  if (file && inline) throw new InputError('smokeRequestFile', "give the smoke request in 'smokePayload' or in 'smokeRequestFile', not both.");
  const text = file ? fs.readFileSync(file, 'utf8') : inline;
  if (text) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new InputError(file ? 'smokeRequestFile' : 'smokePayload', `is not valid JSON (${(err as Error).message}).`);
    }
    return text;
  }
  const spec = source.model.kind === 'file' ? source.model.spec : undefined;
  if (spec?.kind === 'path' && spec.type === 'mlflow_model' && !source.code) {
    const request = spec.local ? mlflowSampleRequest(spec.path) : undefined;
    if (!request)
      throw new InputError('smokeRequestFile', 'is required for an MLflow model without a column signature: give a sample request the model answers.');
    return request;
  }
  return '{"data": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}';
}

export function readInputs(inputs: TaskInputs<InputName>): AksParams {
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const endpointFile = inputs.existingFile('endpointConfigFile', false);
  const endpoint = endpointFile ? readEndpointFile(endpointFile, 'endpointConfigFile') : undefined;
  const configFile = inputs.existingFile('deploymentConfigFile', false);
  const explicitType = inputs.optionalString('computeType') ? inputs.enumOf('computeType', ['kubernetes', 'managed'] as const, 'kubernetes') : undefined;
  const config = configFile ? loadDeploymentConfig(configFile, explicitType) : undefined;
  const peeked = config?.format === 'v2' ? config.deployment : undefined;
  const computeType = readComputeType(inputs, peeked, endpoint, Boolean(configFile || endpointFile));
  // Read again once the type is known, so keys of the other type are refused (a file without `type` is read as either).
  const deployment = peeked && !peeked.type && !explicitType ? readDeploymentFile(peeked.file, 'deploymentConfigFile', computeType) : peeked;
  const endpointName = inputs.optionalString('endpointName') ?? endpoint?.name ?? deployment?.endpointName;
  if (!endpointName) throw new InputError('endpointName', 'is required unless the endpoint YAML gives name or the deployment YAML gives endpoint_name.');
  checkName('endpointName', 'endpoint', endpointName, inputs.optionalString('endpointName') ? '' : ' (from the YAML)');
  const deploymentName = inputs.optionalString('deploymentName') ?? deployment?.name;
  checkName('deploymentName', 'deployment', deploymentName, inputs.optionalString('deploymentName') ? '' : ' (from the deployment YAML)');
  const computeName = computeType === 'kubernetes' ? (inputs.optionalString('computeName') ?? endpoint?.computeName) : undefined;
  if (computeType === 'kubernetes' && !computeName)
    throw new InputError('computeName', 'is required for a Kubernetes endpoint unless the endpoint YAML gives compute.');
  const source = readDeploymentSource(inputs, deployment);
  if (computeType === 'kubernetes' && source.model.kind === 'file' && source.model.spec.kind === 'ref' && source.model.spec.ref.kind === 'registry')
    throw new InputError(
      'computeType',
      `Kubernetes online endpoints cannot deploy models from a registry ('${source.model.spec.ref.uri}'); use computeType 'managed', or register the model in the workspace.`,
    );
  const instanceType = inputs.optionalString('instanceType');
  const instanceCount = inputs.optionalInt('instanceCount', { min: 1, max: 100 });
  const fileSettings: DeploymentSettings =
    config?.format === 'v1'
      ? config.settings
      : { ...(deployment?.settings ?? {}), ...(deployment?.instanceCount ? { instanceCount: deployment.instanceCount } : {}) };
  const sources = [
    {
      what: `endpoint ${endpointName}`,
      from: inputs.optionalString('endpointName') ? "input 'endpointName'" : (endpoint?.where.name ?? deployment?.where.endpoint_name ?? ''),
    },
    ...(deploymentName
      ? [{ what: `deployment ${deploymentName}`, from: inputs.optionalString('deploymentName') ? "input 'deploymentName'" : (deployment?.where.name ?? '') }]
      : []),
    ...source.sources,
    ...Object.keys(deployment?.where ?? {})
      .filter((k) => !['$schema', 'name', 'endpoint_name', 'model', 'environment', 'code_configuration'].includes(k))
      .map((k) => ({ what: k, from: deployment?.where[k] ?? '' })),
    ...(instanceType ? [{ what: 'instance_type', from: "input 'instanceType' (over the file)" }] : []),
    ...(instanceCount ? [{ what: 'instance_count', from: "input 'instanceCount' (over the file)" }] : []),
  ];
  const trafficStrategy = inputs.enumOf('trafficStrategy', ['replace', 'canary', 'none'] as const, 'replace');
  const authMode = inputs.optionalString('authMode')
    ? inputs.enumOf('authMode', ['key', 'aml_token', 'aad_token'] as const, 'key')
    : (endpoint?.authMode ?? 'key');
  if (authMode === 'aad_token' && computeType === 'kubernetes') throw new InputError('authMode', 'Kubernetes online endpoints take key or aml_token.');
  return {
    ...source,
    sources,
    connection,
    workspace,
    endpointName,
    deploymentName,
    deploymentNameFromFile: !inputs.optionalString('deploymentName') && Boolean(deployment?.name),
    computeType,
    computeName,
    endpoint,
    settings: { ...fileSettings, ...(instanceType ? { instanceType } : {}), ...(instanceCount ? { instanceCount } : {}) },
    configWarnings: [...(config?.format === 'v1' ? config.warnings : (deployment?.warnings ?? [])), ...(endpoint?.warnings ?? [])],
    authMode,
    trafficStrategy,
    canarySteps: trafficStrategy === 'canary' ? readSteps(inputs) : [100],
    smokePayload: readSmokePayload(inputs, source),
    deleteOldDeployment: inputs.bool('deleteOldDeployment', false),
    deadlineMs: inputs.int('timeoutMinutes', 30, { min: 1, max: 180 }) * 60_000,
    tags: lineageTags(inputs.platform),
    deploymentTags: deployment?.tags ?? {},
  };
}
