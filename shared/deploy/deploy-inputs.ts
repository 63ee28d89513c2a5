import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAssetRef } from '../aml/asset-refs';
import { InputError } from '../errors';
import type { TaskInputs } from '../platform/inputs';
import type { EnvironmentSpec } from '../yaml/aml-yaml';

/** `environment` (+ `condaFile`): a reference (`azureml:<name>:<version>`, `@latest`, a registry URI), or an image registered on the fly. */
export function readEnvironment(inputs: TaskInputs, required: boolean): EnvironmentSpec | undefined {
  const raw = required ? inputs.requiredString('environment') : inputs.optionalString('environment');
  if (!raw) return undefined;
  const ref = parseAssetRef(raw, 'environments');
  if (ref && 'error' in ref)
    throw new InputError(
      'environment',
      `${ref.error}; or give an image reference such as mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest.`,
    );
  if (ref) return { kind: 'ref', ref };
  const condaFile = inputs.existingFile('condaFile', false);
  // Named by the caller when registered (name ''): the model's name is known only when the task runs.
  return { kind: 'inline', name: '', image: raw, condaFile: condaFile ? fs.readFileSync(condaFile, 'utf8') : undefined };
}

/** `codePath` (a folder that exists) and `scoringScript` (a file in it, default score.py). */
export function readScoringCode(inputs: TaskInputs): { codePath: string; scoringScript: string } {
  const codePath = path.resolve(inputs.requiredString('codePath'));
  if (!fs.existsSync(codePath) || !fs.statSync(codePath).isDirectory()) throw new InputError('codePath', `folder '${codePath}' does not exist.`);
  const scoringScript = inputs.optionalString('scoringScript') ?? 'score.py';
  if (!fs.existsSync(path.join(codePath, scoringScript))) throw new InputError('scoringScript', `'${scoringScript}' is not in the code folder '${codePath}'.`);
  return { codePath, scoringScript };
}
