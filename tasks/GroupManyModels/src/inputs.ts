import * as path from 'node:path';
import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { readEnvironment, readScoringCode } from '../../../shared/deploy/deploy-inputs';
import type { EnvironmentSpec } from '../../../shared/deploy/model-source';
import { InputError } from '../../../shared/errors';
import type { PlanSettings } from '../../../shared/grouping/planner';
import { lineageTags } from '../../../shared/lineage';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';
import type { GuardSettings } from './change-guard';

export type Target = 'aci' | 'kubernetes' | 'managed';

export interface DeploySettings {
  target: Target;
  environment: EnvironmentSpec;
  codePath: string;
  scoringScript: string;
  environmentVariables: Record<string, string>;
  /** aci */
  containerResourceGroup: string;
  location?: string;
  cpu: number;
  memoryGb: number;
  /** kubernetes and managed */
  computeName?: string;
  instanceType?: string;
  instanceCount?: number;
  authMode: 'key' | 'aml_token';
}

export interface GroupParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  modelTagFilter?: string;
  routingModelName: string;
  plan: PlanSettings;
  guard: GuardSettings;
  deploy: DeploySettings;
  concurrency: number;
  dryRun: boolean;
  outputDirectory: string;
  deadlineMs: number;
  tags: Record<string, string>;
}

const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
const TAG_NAME = /^[^,=\s][^,=]*$/;

/** A comma- or newline-separated list of tag names. */
function tagNames(inputs: TaskInputs<InputName>, name: InputName): string[] {
  const names = (inputs.optionalString(name) ?? '')
    .split(/[,\n]/)
    .map((t) => t.trim())
    .filter(Boolean);
  for (const tag of names)
    if (!TAG_NAME.test(tag)) throw new InputError(name, `'${tag}' is not a tag name; give tag names separated by commas, e.g. Store,Brand.`);
  if (new Set(names).size !== names.length) throw new InputError(name, `'${names.join(',')}' names a tag twice.`);
  return names;
}

/** Azure ML's tag filter: `key=value` or `key`, comma-separated. */
function tagFilter(inputs: TaskInputs<InputName>): string | undefined {
  const raw = inputs.optionalString('modelTagFilter');
  if (!raw) return undefined;
  const parts = raw.split(',').map((p) => p.trim());
  for (const part of parts) {
    const key = part.split('=')[0].trim();
    if (!key || part.split('=').length > 2)
      throw new InputError('modelTagFilter', `'${raw}' is not a tag filter; use key=value or key, separated by commas, e.g. ModelType=many-models.`);
  }
  return parts.join(',');
}

export function readInputs(inputs: TaskInputs<InputName>): GroupParams {
  const { platform } = inputs;
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const routingModelName = inputs.optionalString('routingModelName') ?? 'deployed_models_info';
  if (!MODEL_NAME.test(routingModelName))
    throw new InputError(
      'routingModelName',
      `'${routingModelName}' is not a valid model name: letters, digits, '-', '_' and '.', starting with a letter or digit.`,
    );
  const splittingTags = tagNames(inputs, 'splittingTags');
  const sortingTags = tagNames(inputs, 'sortingTags');
  const target = inputs.enumOf('target', ['aci', 'kubernetes', 'managed'] as const, 'aci');
  const servicePrefix = inputs.optionalString('servicePrefix') ?? 'manymodels';
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(servicePrefix) || servicePrefix.endsWith('-') || servicePrefix.includes('--')) {
    throw new InputError('servicePrefix', `'${servicePrefix}' is not valid: 1-20 lowercase letters, digits and single hyphens, starting with a letter.`);
  }
  const environment = readEnvironment(inputs, true) as EnvironmentSpec;
  const { codePath, scoringScript } = readScoringCode(inputs);
  const online = target !== 'aci';
  const outputDirectory = path.resolve(inputs.optionalString('outputDirectory') ?? path.join(platform.tempDir(), 'group-many-models'));
  return {
    connection,
    workspace,
    modelTagFilter: tagFilter(inputs),
    routingModelName,
    plan: {
      splittingTags,
      sortingTags,
      maxContainerSize: inputs.int('maxContainerSize', 500, { min: 1, max: 1000 }),
      servicePrefix,
      // Container groups allow 63 characters; online endpoint names 32.
      maxNameLength: online ? 32 : 63,
      reset: inputs.bool('reset', false),
      updateAll: inputs.bool('updateAll', false),
    },
    guard: {
      allowLargeChanges: inputs.bool('allowLargeChanges', false),
      largeChangeThreshold: inputs.int('largeChangeThreshold', 20, { min: 0, max: 100 }),
    },
    deploy: {
      target,
      environment,
      codePath,
      scoringScript,
      environmentVariables: inputs.keyValues('environmentVariables'),
      containerResourceGroup: inputs.optionalString('containerResourceGroup') ?? workspace.resourceGroup,
      location: inputs.optionalString('location'),
      cpu: inputs.positiveNumber('cpu', 1, 4),
      memoryGb: inputs.positiveNumber('memoryGb', 1.5, 16),
      computeName: target === 'kubernetes' ? inputs.requiredString('computeName') : undefined,
      instanceType: inputs.optionalString('instanceType') ?? (target === 'managed' ? 'Standard_DS3_v2' : undefined),
      instanceCount: inputs.optionalInt('instanceCount', { min: 1, max: 100 }),
      authMode: inputs.enumOf('authMode', ['key', 'aml_token'] as const, 'key'),
    },
    concurrency: inputs.int('concurrency', 4, { min: 1, max: 32 }),
    dryRun: inputs.bool('dryRun', false),
    outputDirectory,
    deadlineMs: inputs.int('timeoutMinutes', 30, { min: 1, max: 360 }) * 60_000,
    tags: lineageTags(platform),
  };
}
