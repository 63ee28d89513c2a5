import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import type { PipelineDefinition } from './pipeline-model';
import { loadPipeline } from './pipeline-yaml';
import { InputError } from '../../../shared/errors';
import { lineageTags } from '../../../shared/lineage';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';

export interface PublishParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  pipelineFile: string;
  pipeline: PipelineDefinition;
  componentName: string;
  componentVersion: string;
  tags: Record<string, string>;
  archivePreviousVersions: boolean;
  dryRun: boolean;
}

/** Azure ML component names: lowercase letters, digits and underscores, starting with a letter or underscore. */
const COMPONENT_NAME = /^[a-z_][a-z0-9_]{0,254}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$/;

function defaultName(pipeline: PipelineDefinition): string | undefined {
  const raw = pipeline.name ?? pipeline.displayName;
  return raw
    ?.toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^([0-9])/, '_$1');
}

export function readInputs(inputs: TaskInputs<InputName>): PublishParams {
  const { platform } = inputs;
  const pipelineFile = inputs.existingFile('pipelineFile', true) as string;
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const pipeline = loadPipeline(pipelineFile);
  const componentName = inputs.optionalString('componentName') ?? defaultName(pipeline);
  if (!componentName) throw new InputError('componentName', "is required when the pipeline YAML has no 'name' or 'display_name'.");
  if (!COMPONENT_NAME.test(componentName)) {
    throw new InputError(
      'componentName',
      `'${componentName}' is not a valid component name: use lowercase letters, digits and underscores, starting with a letter or underscore (at most 255 characters).`,
    );
  }
  const componentVersion = inputs.optionalString('componentVersion') ?? platform.variable('Build.BuildId');
  if (!componentVersion) throw new InputError('componentVersion', 'is required outside a pipeline run (the default is the build id, Build.BuildId).');
  if (!VERSION.test(componentVersion)) {
    throw new InputError(
      'componentVersion',
      `'${componentVersion}' is not a valid version: letters, digits, '.', '_' and '-', starting with a letter or digit (at most 30 characters).`,
    );
  }
  const tags = lineageTags(platform, inputs.keyValues('tags'));
  return {
    connection,
    workspace,
    pipelineFile,
    pipeline,
    componentName,
    componentVersion,
    tags,
    archivePreviousVersions: inputs.bool('archivePreviousVersions', false),
    dryRun: inputs.bool('dryRun', false),
  };
}
