import { parseAssetRef, type AssetRef } from '../../../shared/aml/asset-refs';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readDeploymentSource, type DeploymentSource } from '../../../shared/deploy/deployment-source';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import type { TaskInputs } from '../../../shared/platform/inputs';
import type { InputName } from '../contract.generated';
import { readBatchDeploymentFile, type BatchDeploymentFile } from './batch-yaml';

export interface BatchParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  endpointName: string;
  endpointDescription?: string;
  deploymentName: string;
  deploymentType: 'model' | 'pipelineComponent';
  /** Model, environment and code (model deployments). */
  source?: DeploymentSource;
  /** The pipeline component (pipeline-component deployments). */
  component?: AssetRef;
  jobSettings: Record<string, string>;
  computeName?: string;
  /** Deployment properties in ARM's names: the YAML's, then the inputs over them. */
  settings: Record<string, unknown>;
  setDefault: boolean;
  deadlineMs: number;
  tags: Record<string, string>;
  deploymentTags: Record<string, string>;
  description?: string;
  sources: { what: string; from: string }[];
}

const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

function name(input: InputName, kind: string, value: string | undefined, fileValue: string | undefined): string {
  const v = value ?? fileValue;
  if (!v) throw new InputError(input, `is required unless the deployment YAML (deploymentConfigFile) gives the ${kind} name.`);
  if (!NAME.test(v)) throw new InputError(input, `'${v}' is not a valid ${kind} name: 3-32 letters, digits and '-', starting with a letter.`);
  return v;
}

/** Batch settings from the inputs, over the file's: each input given wins. */
function readSettings(inputs: TaskInputs<InputName>, file: BatchDeploymentFile | undefined): Record<string, unknown> {
  const s: Record<string, unknown> = { ...(file?.settings ?? {}) };
  const int = (n: InputName, min: number) => inputs.optionalInt(n, { min });
  const set = (key: string, value: unknown) => value !== undefined && (s[key] = value);
  set('miniBatchSize', int('miniBatchSize', 1));
  set('maxConcurrencyPerInstance', int('maxConcurrencyPerInstance', 1));
  set('errorThreshold', int('errorThreshold', -1));
  set('outputFileName', inputs.optionalString('outputFileName'));
  if (inputs.optionalString('outputAction'))
    s.outputAction = inputs.enumOf('outputAction', ['append_row', 'summary_only'] as const, 'append_row') === 'append_row' ? 'AppendRow' : 'SummaryOnly';
  if (inputs.optionalString('loggingLevel')) {
    const level = inputs.enumOf('loggingLevel', ['info', 'warning', 'debug'] as const, 'info');
    s.loggingLevel = level[0].toUpperCase() + level.slice(1);
  }
  const maxRetries = int('maxRetries', 0);
  const timeout = int('retryTimeoutSeconds', 1);
  if (maxRetries !== undefined || timeout !== undefined)
    s.retrySettings = { ...(s.retrySettings as object), ...(maxRetries !== undefined ? { maxRetries } : {}), ...(timeout ? { timeout: `PT${timeout}S` } : {}) };
  const instanceCount = int('instanceCount', 1);
  if (instanceCount) s.resources = { ...(s.resources as object), instanceCount };
  return s;
}

function readComponent(inputs: TaskInputs<InputName>, file: BatchDeploymentFile | undefined): AssetRef {
  const raw = inputs.optionalString('componentId');
  if (!raw) {
    if (file?.component) return file.component;
    throw new InputError(
      'componentId',
      "is required for deploymentType 'pipelineComponent': PublishAmlPipeline's componentId output, or azureml:<name>:<version>.",
    );
  }
  // PublishAmlPipeline's output is the component's ARM id; azureml: references are taken too.
  const text = raw.startsWith('/subscriptions/') ? `azureml:${raw}` : raw;
  const ref = parseAssetRef(text, 'components');
  if (!ref || 'error' in ref)
    throw new InputError('componentId', `'${raw}' is not a component id; use PublishAmlPipeline's componentId output or azureml:<name>:<version>.`);
  return ref;
}

export function readInputs(inputs: TaskInputs<InputName>): BatchParams {
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const configFile = inputs.existingFile('deploymentConfigFile', false);
  const file = configFile ? readBatchDeploymentFile(configFile, 'deploymentConfigFile') : undefined;
  const typeInput = inputs.optionalString('deploymentType');
  const deploymentType = typeInput
    ? inputs.enumOf('deploymentType', ['model', 'pipelineComponent'] as const, 'model')
    : file?.type === 'pipeline' || inputs.optionalString('componentId')
      ? 'pipelineComponent'
      : 'model';
  if (file?.type && typeInput && (file.type === 'pipeline') !== (deploymentType === 'pipelineComponent'))
    throw new InputError('deploymentType', `'${deploymentType}' disagrees with the deployment YAML's type '${file.type}'; make them agree.`);
  const endpointName = name('endpointName', 'endpoint', inputs.optionalString('endpointName'), file?.endpointName);
  const deploymentName = name('deploymentName', 'deployment', inputs.optionalString('deploymentName'), file?.name);
  const computeName = inputs.optionalString('computeName') ?? file?.compute ?? file?.jobSettings?.default_compute;
  if (deploymentType === 'model' && !computeName)
    throw new InputError('computeName', 'is required: the compute cluster the batch jobs run on (or compute in the deployment YAML).');
  const pipeline = deploymentType === 'pipelineComponent';
  if (pipeline && inputs.optionalString('modelName'))
    throw new InputError('modelName', "a pipeline-component deployment takes no model; use deploymentType 'model'.");
  const source = pipeline ? undefined : readDeploymentSource(inputs, file);
  const from = (input: InputName, key: string) => (inputs.optionalString(input) ? `input '${input}'` : (file?.where[key] ?? 'default'));
  return {
    connection,
    workspace,
    endpointName,
    endpointDescription: inputs.optionalString('endpointDescription'),
    deploymentName,
    deploymentType,
    source,
    component: pipeline ? readComponent(inputs, file) : undefined,
    jobSettings: file?.jobSettings ?? {},
    computeName,
    settings: pipeline ? { ...(file?.settings.properties ? { properties: file.settings.properties } : {}) } : readSettings(inputs, file),
    setDefault: inputs.bool('setDefault', false),
    deadlineMs: inputs.int('timeoutMinutes', 30, { min: 1, max: 180 }) * 60_000,
    tags: lineageTags(inputs.platform),
    deploymentTags: file?.tags ?? {},
    description: file?.description,
    sources: [
      { what: `endpoint ${endpointName}`, from: from('endpointName', 'endpoint_name') },
      { what: `deployment ${deploymentName}`, from: from('deploymentName', 'name') },
      ...(computeName ? [{ what: `compute ${computeName}`, from: from('computeName', 'compute') }] : []),
      ...(source?.sources ?? []),
      ...(pipeline ? [{ what: 'component', from: from('componentId', 'component') }] : []),
    ],
  };
}
