import type { AssetRef } from '../../../shared/aml/asset-refs';
import type { EnvironmentSpec } from '../../../shared/yaml/aml-yaml';

/** What the pipeline YAML reader produces and the publisher registers: environments, components, the pipeline. */
export type { EnvironmentSpec };

/** A command, parallel or spark component, from a component file or defined inline in a pipeline job. */
export interface StepComponent {
  type: 'command' | 'parallel' | 'spark';
  /** Defined inside a pipeline job rather than in a component file. */
  inline: boolean;
  key: string;
  file: string;
  name: string;
  description?: string;
  /** The code folder: a command's `code`, a parallel job's `task.code`, a spark job's `code`. */
  codeDir?: string;
  environment?: EnvironmentSpec;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Every other key as written (snake_case, the component schema's names), sent in the componentSpec. */
  fields: Record<string, unknown>;
}

export type ComponentRef = { kind: 'local'; component: StepComponent | PipelineDefinition } | { kind: 'ref'; ref: AssetRef };

export type NodeType = 'command' | 'pipeline' | 'parallel' | 'sweep' | 'spark' | 'automl';

export interface PipelineNode {
  type: NodeType;
  /** The component the node runs (a sweep's trial); automl nodes have none. */
  component?: ComponentRef;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  compute?: string;
  displayName?: string;
  /** Node-level keys as written (resources, limits, search_space, task for automl, ...), sent on the node. */
  fields: Record<string, unknown>;
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
  settings: { defaultCompute?: string; continueOnStepFailure?: boolean; other: Record<string, unknown> };
  jobs: Record<string, PipelineNode>;
  /** What `az ml` would only warn about (file:line: key: reason), shown as task warnings. */
  warnings: string[];
}
