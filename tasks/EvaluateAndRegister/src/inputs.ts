import type { RegistryRef } from '../../../shared/aml/registries';
import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import { MODEL_TYPES, type ModelType } from '../../../shared/aml/models';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';
import { parseRules, type Rule } from './rules';

export type Champion = { kind: 'tag'; key: string; value: string } | { kind: 'latest' } | { kind: 'none' };
export type OnNotBetter = 'skip' | 'fail' | 'registerOnly';

export interface EvaluateParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  jobName?: string;
  planId?: string;
  metricsSource?: string;
  modelName: string;
  modelUri?: string;
  modelOutputName: string;
  modelType: ModelType;
  rules: Rule[];
  champion: Champion;
  onNotBetter: OnNotBetter;
  promoteTag?: { key: string; value: string };
  description?: string;
  tags: Record<string, string>;
  /** Where a passing candidate is shared (publishToRegistry), if anywhere. */
  registry?: RegistryRef;
}

const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

function readChampion(inputs: TaskInputs<InputName>): Champion {
  const raw = inputs.optionalString('champion') ?? 'tag:lifecycle=production';
  if (raw === 'latest' || raw === 'none') return { kind: raw };
  if (raw.startsWith('tag:')) return { kind: 'tag', ...inputs.pair('champion', 'tag:lifecycle=production', raw.slice(4)) };
  throw new InputError('champion', `'${raw}' is not allowed; allowed values: tag:<key>=<value> (e.g. tag:lifecycle=production), latest, none.`);
}

export function readInputs(inputs: TaskInputs<InputName>): EvaluateParams {
  const { platform } = inputs;
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const modelName = inputs.requiredString('modelName');
  if (!MODEL_NAME.test(modelName))
    throw new InputError('modelName', `'${modelName}' is not a valid model name: letters, digits, '-', '_' and '.', starting with a letter or digit.`);
  const modelPath = inputs.optionalString('modelPath');
  if (modelPath && !/^(azureml|https):\/\//.test(modelPath)) {
    throw new InputError(
      'modelPath',
      `'${modelPath}' must be an azureml:// or https:// URI, e.g. azureml://datastores/workspaceblobstore/paths/models/diabetes/.`,
    );
  }
  const promote = inputs.optionalString('promoteTag') ?? 'lifecycle=production';
  const jobName = inputs.optionalString('jobName');
  const planId = platform.variable('System.PlanId');
  if (!jobName && !planId)
    throw new InputError('jobName', "is required outside a pipeline run (without it the task looks for the job tagged with this run's plan id).");
  const tags = lineageTags(platform, inputs.keyValues('tags'));
  return {
    connection,
    workspace,
    jobName,
    planId,
    metricsSource: inputs.optionalString('metricsSource'),
    modelName,
    modelUri: modelPath,
    modelOutputName: inputs.optionalString('modelOutputName') ?? 'model',
    modelType: inputs.enumOf('modelType', Object.keys(MODEL_TYPES) as ModelType[], 'custom_model'),
    rules: parseRules(inputs.lines('rules')),
    champion: readChampion(inputs),
    onNotBetter: inputs.enumOf('onNotBetter', ['skip', 'fail', 'registerOnly'] as const, 'skip'),
    promoteTag: promote === 'none' ? undefined : inputs.pair('promoteTag', 'lifecycle=production', promote),
    description: inputs.optionalString('description'),
    tags,
    registry: inputs.optionalString('publishToRegistry')
      ? {
          subscriptionId: connection.subscriptionId,
          resourceGroup: inputs.optionalString('registryResourceGroup') ?? workspace.resourceGroup,
          registry: inputs.requiredString('publishToRegistry'),
        }
      : undefined,
  };
}
