// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of GroupManyModels as its task.json declares them. */
export const INPUTS = ['azureSubscription', 'resourceGroupName', 'workspaceName', 'modelTagFilter', 'splittingTags', 'sortingTags', 'maxContainerSize', 'reset', 'updateAll', 'allowLargeChanges', 'largeChangeThreshold', 'routingModelName', 'target', 'servicePrefix', 'environment', 'condaFile', 'codePath', 'scoringScript', 'computeName', 'instanceType', 'instanceCount', 'authMode', 'containerResourceGroup', 'location', 'cpu', 'memoryGb', 'environmentVariables', 'concurrency', 'dryRun', 'outputDirectory', 'timeoutMinutes'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'maxContainerSize': '500',
  'reset': 'false',
  'updateAll': 'false',
  'allowLargeChanges': 'false',
  'largeChangeThreshold': '20',
  'routingModelName': 'deployed_models_info',
  'target': 'aci',
  'servicePrefix': 'manymodels',
  'scoringScript': 'score.py',
  'authMode': 'key',
  'cpu': '1',
  'memoryGb': '1.5',
  'concurrency': '4',
  'dryRun': 'false',
  'timeoutMinutes': '30'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = ['planFile', 'changeGuard', 'routingMapFile', 'newGroups', 'updatedGroups', 'unchangedGroups', 'deletedGroups'] as const;
export type OutputName = (typeof OUTPUTS)[number];
