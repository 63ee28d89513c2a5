// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of DeployToAci as its task.json declares them. */
export const INPUTS = ['azureSubscription', 'resourceGroupName', 'workspaceName', 'modelName', 'modelVersion', 'productionTag', 'imageSource', 'environment', 'condaFile', 'codePath', 'scoringScript', 'image', 'containerGroupName', 'containerResourceGroup', 'location', 'cpu', 'memoryGb', 'dnsNameLabel', 'environmentVariables', 'secureEnvironmentVariables', 'overwrite', 'registryServer', 'registryIdentity', 'dockerRegistryConnection', 'subnetIds', 'timeoutMinutes'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'productionTag': 'lifecycle=production',
  'imageSource': 'modelPackage',
  'scoringScript': 'score.py',
  'cpu': '1',
  'memoryGb': '1.5',
  'overwrite': 'true',
  'timeoutMinutes': '20'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = ['scoringUri', 'fqdn', 'image', 'containerGroupId'] as const;
export type OutputName = (typeof OUTPUTS)[number];
