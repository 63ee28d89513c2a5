import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAssetRef } from '../aml/asset-refs';
import { InputError } from '../errors';
import { once } from '../lazy-modules';
import type { TaskInputs } from '../platform/inputs';
import type { EnvironmentSpec } from '../yaml/aml-yaml';
import { readEnvironment, readScoringCode } from './deploy-inputs';
import type { DeploymentFile, ModelSpec } from './deployment-yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = once(() => require('yaml') as typeof import('yaml'));

/** The model to deploy: one registered already (by name, version or production tag), or the deployment YAML's. */
export type ModelChoice = { kind: 'registered'; name: string; version?: string; tag: { key: string; value: string } } | { kind: 'file'; spec: ModelSpec };

/** Model, environment and code of a deployment, from the task inputs over the deployment YAML, with where each came from. */
export interface DeploymentSource {
  model: ModelChoice;
  environment?: EnvironmentSpec;
  code?: { dir: string; scoringScript: string };
  /** What the summary shows: each value and where it came from (`input 'x'` or `file:line`). */
  sources: { what: string; from: string }[];
}

const fromInput = (name: string) => `input '${name}'`;

/** Reads model, environment and code: an input wins over the file; MLflow models may come without either. */
export function readDeploymentSource(
  inputs: TaskInputs,
  file: Pick<DeploymentFile, 'model' | 'environment' | 'code' | 'where'> | undefined,
  modelInput = 'modelName',
): DeploymentSource {
  const sources: DeploymentSource['sources'] = [];
  const note = (what: string, input: string, fileKey: string) =>
    sources.push({ what, from: inputs.optionalString(input) ? fromInput(input) : (file?.where[fileKey] ?? 'default') });
  const modelName = inputs.optionalString(modelInput);
  let model: ModelChoice;
  const ref = modelName ? parseAssetRef(modelName, 'models') : undefined;
  if (ref && 'error' in ref) throw new InputError(modelInput, ref.error);
  if (ref) model = { kind: 'file', spec: { kind: 'ref', ref } };
  else if (modelName) {
    const tag = inputs.pair('productionTag', 'lifecycle=production', inputs.optionalString('productionTag') ?? 'lifecycle=production');
    model = { kind: 'registered', name: modelName, version: inputs.optionalString('modelVersion'), tag };
  } else if (file?.model) model = { kind: 'file', spec: file.model };
  else throw new InputError(modelInput, 'is required unless the deployment YAML (deploymentConfigFile) gives a model.');
  note('model', modelInput, 'model');
  const environment = readEnvironment(inputs, false) ?? file?.environment;
  if (environment) note('environment', 'environment', 'environment');
  let code: DeploymentSource['code'];
  if (inputs.optionalString('codePath')) {
    const c = readScoringCode(inputs);
    code = { dir: c.codePath, scoringScript: c.scoringScript };
  } else if (file?.code) {
    const script = inputs.optionalString('scoringScript') ?? file.code.scoringScript;
    if (!fs.existsSync(path.join(file.code.dir, script))) throw new InputError('scoringScript', `'${script}' is not in the code folder '${file.code.dir}'.`);
    code = { dir: file.code.dir, scoringScript: script };
  }
  if (code) note('code', 'codePath', 'code_configuration');
  const mlflow = model.kind === 'file' && model.spec.kind === 'path' && model.spec.type === 'mlflow_model';
  // A reference's type is known once it is resolved (the tasks check again then); a path's is the file's.
  if (model.kind === 'file' && model.spec.kind === 'path' && !mlflow && !servesItself(environment))
    requireEnvironmentAndCode(environment, code, 'a custom model');
  if (mlflow && Boolean(environment) !== Boolean(code))
    throw new InputError(
      environment ? 'codePath' : 'environment',
      'an MLflow model takes both an environment and a scoring script, or neither (no-code deployment).',
    );
  return { model, environment, code, sources };
}

/** A custom container (an inline environment with inference_config) serves the model itself, with or without a script. */
export function servesItself(environment: EnvironmentSpec | undefined): boolean {
  return environment?.kind === 'inline' && Boolean(environment.inferenceConfig);
}

/** A model that is not MLflow needs its environment and scoring code. */
export function requireEnvironmentAndCode(environment: unknown, code: unknown, what: string): void {
  if (!environment) throw new InputError('environment', `is required for ${what}: give it, or a deployment YAML with environment.`);
  if (!code) throw new InputError('codePath', `is required for ${what}: give it, or a deployment YAML with code_configuration.`);
}

/**
 * A one-row request for an MLflow model in the shape Azure ML's MLflow scoring server takes
 * (`{"input_data": {"columns": [...], "index": [0], "data": [[...]]}}`), from the column signature in its MLmodel.
 */
export function mlflowSampleRequest(modelDir: string): string | undefined {
  const file = path.join(modelDir, 'MLmodel');
  if (!fs.existsSync(file)) return undefined;
  const inputs = (yaml().parse(fs.readFileSync(file, 'utf8')) as { signature?: { inputs?: string } })?.signature?.inputs;
  if (!inputs) return undefined;
  const columns = (JSON.parse(inputs) as { name?: string; type?: string }[]).filter((c) => c.name);
  if (!columns.length) return undefined;
  const zero = (t?: string) => (t === 'string' ? '' : t === 'boolean' ? false : 0);
  return JSON.stringify({ input_data: { columns: columns.map((c) => c.name), index: [0], data: [columns.map((c) => zero(c.type))] } });
}
