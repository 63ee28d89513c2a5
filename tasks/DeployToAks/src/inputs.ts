import * as fs from 'node:fs';
import * as path from 'node:path';
import { readArmConnection, readWorkspace, type ArmConnection, type WorkspaceRef } from '../../../shared/azure/connection';
import type { EnvironmentSpec } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
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

function readSteps(inputs: TaskInputs): number[] {
  const raw = inputs.optionalString('canarySteps') ?? '10,50,100';
  const steps = raw.split(/[,\s]+/).filter(Boolean).map(Number);
  const valid = steps.length > 0 && steps.every((s, i) => Number.isInteger(s) && s > 0 && s <= 100 && (i === 0 || s > steps[i - 1])) && steps[steps.length - 1] === 100;
  if (!valid) throw new InputError('canarySteps', `'${raw}' is not valid; expected rising whole percentages ending at 100, e.g. 10,50,100.`);
  return steps;
}

export function readInputs(inputs: TaskInputs): AksParams {
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const endpointName = inputs.requiredString('endpointName');
  if (!NAME.test(endpointName)) throw new InputError('endpointName', `'${endpointName}' is not a valid endpoint name: 3-32 letters, digits and '-', starting with a letter.`);
  const deploymentName = inputs.optionalString('deploymentName');
  if (deploymentName && !NAME.test(deploymentName)) throw new InputError('deploymentName', `'${deploymentName}' is not a valid deployment name: 3-32 letters, digits and '-', starting with a letter.`);
  const computeType = inputs.enumOf('computeType', ['kubernetes', 'managed'] as const, 'kubernetes');
  const computeName = computeType === 'kubernetes' ? inputs.requiredString('computeName') : undefined;
  const envRaw = inputs.requiredString('environment');
  const registered = /^azureml:([\w.-]+):([\w.-]+)$/.exec(envRaw);
  if (!registered && envRaw.startsWith('azureml:')) throw new InputError('environment', `'${envRaw}' is not valid; use azureml:<name>:<version> or an image reference.`);
  const condaFile = inputs.existingFile('condaFile', false);
  const environment: EnvironmentSpec = registered ? { kind: 'registered', name: registered[1], version: registered[2] } : { kind: 'image', image: envRaw, condaFile: condaFile ? fs.readFileSync(condaFile, 'utf8') : undefined };
  const codePath = path.resolve(inputs.requiredString('codePath'));
  if (!fs.existsSync(codePath) || !fs.statSync(codePath).isDirectory()) throw new InputError('codePath', `folder '${codePath}' does not exist.`);
  const scoringScript = inputs.optionalString('scoringScript') ?? 'score.py';
  if (!fs.existsSync(path.join(codePath, scoringScript))) throw new InputError('scoringScript', `'${scoringScript}' is not in the code folder '${codePath}'.`);
  const configFile = inputs.existingFile('deploymentConfigFile', false);
  const config = configFile ? loadDeploymentConfig(configFile) : { settings: {}, warnings: [] };
  const instanceType = inputs.optionalString('instanceType');
  const instanceCount = inputs.optionalInt('instanceCount', { min: 1, max: 100 });
  const tag = inputs.optionalString('productionTag') ?? 'lifecycle=production';
  const eq = tag.indexOf('=');
  if (eq <= 0) throw new InputError('productionTag', `'${tag}' is not of the form key=value, e.g. lifecycle=production.`);
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
    productionTag: { key: tag.slice(0, eq), value: tag.slice(eq + 1) },
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
