import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { TaskInputs } from '../platform/inputs';
import type { EnvironmentSpec } from './model-source';

/** `environment` (+ `condaFile`): `azureml:<name>:<version>`, or an image registered on the fly. */
export function readEnvironment(inputs: TaskInputs, required: boolean): EnvironmentSpec | undefined {
  const raw = required ? inputs.requiredString('environment') : inputs.optionalString('environment');
  if (!raw) return undefined;
  const registered = /^azureml:([\w.-]+):([\w.-]+)$/.exec(raw);
  if (registered) return { kind: 'registered', name: registered[1], version: registered[2] };
  if (raw.startsWith('azureml:'))
    throw new InputError(
      'environment',
      `'${raw}' is not valid; use azureml:<name>:<version> or an image reference such as mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest.`,
    );
  const condaFile = inputs.existingFile('condaFile', false);
  return { kind: 'image', image: raw, condaFile: condaFile ? fs.readFileSync(condaFile, 'utf8') : undefined };
}

/** `codePath` (a folder that exists) and `scoringScript` (a file in it, default score.py). */
export function readScoringCode(inputs: TaskInputs): { codePath: string; scoringScript: string } {
  const codePath = path.resolve(inputs.requiredString('codePath'));
  if (!fs.existsSync(codePath) || !fs.statSync(codePath).isDirectory()) throw new InputError('codePath', `folder '${codePath}' does not exist.`);
  const scoringScript = inputs.optionalString('scoringScript') ?? 'score.py';
  if (!fs.existsSync(path.join(codePath, scoringScript))) throw new InputError('scoringScript', `'${scoringScript}' is not in the code folder '${codePath}'.`);
  return { codePath, scoringScript };
}
