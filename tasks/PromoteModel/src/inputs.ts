import type { RegistryRef } from '../../../shared/aml/registries';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { InputError } from '../../../shared/errors';
import type { TaskInputs } from '../../../shared/platform/inputs';
import type { InputName } from '../contract.generated';

export interface PromoteParams {
  connection: ArmConnection;
  workspace: WorkspaceRef;
  modelName: string;
  modelVersion?: string;
  productionTag: { key: string; value: string };
  registry: RegistryRef;
  destinationName: string;
  /** Undefined: the source version. */
  destinationVersion?: string;
  target?: WorkspaceRef;
  deadlineMs: number;
}

/** Registry and asset names: letters, digits, '-', '_' and '.', starting with a letter or digit. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

function checked(input: InputName, value: string | undefined): string | undefined {
  if (value !== undefined && !NAME.test(value))
    throw new InputError(input, `'${value}' is not a valid name: letters, digits, '-', '_' and '.', starting with a letter or digit.`);
  return value;
}

export function readInputs(inputs: TaskInputs<InputName>): PromoteParams {
  const connection = readArmConnection(inputs);
  const workspace = readWorkspace(inputs, connection);
  const modelName = checked('modelName', inputs.requiredString('modelName')) as string;
  const targetName = checked('targetWorkspaceName', inputs.optionalString('targetWorkspaceName'));
  if (!targetName && inputs.optionalString('targetResourceGroupName'))
    throw new InputError('targetWorkspaceName', "is required when 'targetResourceGroupName' is set.");
  return {
    connection,
    workspace,
    modelName,
    modelVersion: inputs.optionalString('modelVersion'),
    productionTag: inputs.pair('productionTag', 'lifecycle=production', inputs.optionalString('productionTag') ?? 'lifecycle=production'),
    registry: {
      subscriptionId: connection.subscriptionId,
      resourceGroup: inputs.optionalString('registryResourceGroup') ?? workspace.resourceGroup,
      registry: checked('registryName', inputs.requiredString('registryName')) as string,
    },
    destinationName: checked('destinationName', inputs.optionalString('destinationName')) ?? modelName,
    destinationVersion: checked('destinationVersion', inputs.optionalString('destinationVersion')),
    target: targetName
      ? {
          subscriptionId: connection.subscriptionId,
          resourceGroup: inputs.optionalString('targetResourceGroupName') ?? workspace.resourceGroup,
          workspace: targetName,
        }
      : undefined,
    deadlineMs: inputs.int('timeoutMinutes', 30, { min: 1, max: 180 }) * 60_000,
  };
}
