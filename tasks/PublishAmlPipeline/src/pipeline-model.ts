import { InputError } from '../../../shared/errors';

/** What the pipeline YAML reader produces and the publisher registers: environments, components, the pipeline. */
export type EnvironmentRef =
  | { kind: 'registered'; name: string; version: string }
  | { kind: 'latest'; name: string }
  | { kind: 'inline'; name: string; image: string; condaFile?: string; description?: string };

export interface CommandComponent {
  type: 'command';
  /** Defined inside a pipeline job rather than in a component file. */
  inline: boolean;
  key: string;
  file: string;
  name: string;
  displayName?: string;
  description?: string;
  command: string;
  codeDir?: string;
  environment: EnvironmentRef;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  environmentVariables?: Record<string, string>;
  isDeterministic?: boolean;
  tags?: Record<string, string>;
}

export type ComponentRef =
  | { kind: 'local'; component: CommandComponent | PipelineDefinition }
  | { kind: 'registered'; name: string; version: string }
  | { kind: 'latest'; name: string };

export interface PipelineNode {
  type: 'command' | 'pipeline';
  component: ComponentRef;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  compute?: string;
  displayName?: string;
}

export interface PipelineDefinition {
  type: 'pipeline';
  key: string;
  file: string;
  name?: string;
  displayName?: string;
  description?: string;
  tags?: Record<string, string>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  settings: { defaultCompute?: string; continueOnStepFailure?: boolean };
  jobs: Record<string, PipelineNode>;
}

export class PipelineYamlError extends InputError {
  constructor(file: string, line: number | undefined, key: string, reason: string) {
    super('pipelineFile', `${file}${line ? `:${line}` : ''}: key '${key}': ${reason}`);
  }
}
