import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { readEnvironment, readScoringCode } from '../../../shared/deploy/deploy-inputs';
import type { EnvironmentSpec } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';
import { loadDeploymentConfig, type DeploymentSettings } from './deployment-config';

export interface AksParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  endpointName: string;
  deploymentName?: string;
  computeType: 'kubernetes' | 'managed';
  computeName?: string;
  modelName: string;
  modelVersion?: string;
  productionTag: { key: string; value: string };
  environment: EnvironmentSpec;
  codePath: string;
  scoringScript: string;
  settings: DeploymentSettings;
  configWarnings: string[];
  authMode: 'key' | 'aml_token';
  trafficStrategy: 'replace' | 'canary' | 'none';
  canarySteps: number[];
  smokePayload: string;
  deleteOldDeployment: boolean;
  deadlineMs: number;
  tags: Record<string, string>;
}

/** Online endpoint and deployment names: 3-32 letters, digits and '-', starting with a letter. */
const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

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

export function readInputs(inputs: TaskInputs<InputName>): AksParams {
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const endpointName = inputs.requiredString('endpointName');
  if (!NAME.test(endpointName))
    throw new InputError('endpointName', `'${endpointName}' is not a valid endpoint name: 3-32 letters, digits and '-', starting with a letter.`);
  const deploymentName = inputs.optionalString('deploymentName');
  if (deploymentName && !NAME.test(deploymentName))
    throw new InputError('deploymentName', `'${deploymentName}' is not a valid deployment name: 3-32 letters, digits and '-', starting with a letter.`);
  const computeType = inputs.enumOf('computeType', ['kubernetes', 'managed'] as const, 'kubernetes');
  const computeName = computeType === 'kubernetes' ? inputs.requiredString('computeName') : undefined;
  const environment = readEnvironment(inputs, true) as EnvironmentSpec;
  const { codePath, scoringScript } = readScoringCode(inputs);
  const configFile = inputs.existingFile('deploymentConfigFile', false);
  const config = configFile ? loadDeploymentConfig(configFile) : { settings: {}, warnings: [] };
  const instanceType = inputs.optionalString('instanceType');
  const instanceCount = inputs.optionalInt('instanceCount', { min: 1, max: 100 });
  const payload = inputs.optionalString('smokePayload');
  if (payload) {
    try {
      JSON.parse(payload);
    } catch (err) {
      throw new InputError('smokePayload', `is not valid JSON (${(err as Error).message}).`);
    }
  }
  const trafficStrategy = inputs.enumOf('trafficStrategy', ['replace', 'canary', 'none'] as const, 'replace');
  return {
    connection,
    workspace,
    endpointName,
    deploymentName,
    computeType,
    computeName,
    modelName: inputs.requiredString('modelName'),
    modelVersion: inputs.optionalString('modelVersion'),
    productionTag: inputs.pair('productionTag', 'lifecycle=production', inputs.optionalString('productionTag') ?? 'lifecycle=production'),
    environment,
    codePath,
    scoringScript,
    settings: { ...config.settings, ...(instanceType ? { instanceType } : {}), ...(instanceCount ? { instanceCount } : {}) },
    configWarnings: config.warnings,
    authMode: inputs.enumOf('authMode', ['key', 'aml_token'] as const, 'key'),
    trafficStrategy,
    canarySteps: trafficStrategy === 'canary' ? readSteps(inputs) : [100],
    smokePayload: payload ?? '{"data": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}',
    deleteOldDeployment: inputs.bool('deleteOldDeployment', false),
    deadlineMs: inputs.int('timeoutMinutes', 30, { min: 1, max: 180 }) * 60_000,
    tags: lineageTags(inputs.platform),
  };
}
