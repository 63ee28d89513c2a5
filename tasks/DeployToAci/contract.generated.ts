// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of DeployToAci as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'modelName', 'modelVersion', 'productionTag', 'deploymentConfigFile', 'imageSource', 'environment', 'condaFile', 'codePath', 'scoringScript', 'image', 'containerGroupName', 'containerResourceGroup', 'location', 'cpu', 'memoryGb', 'dnsNameLabel', 'environmentVariables', 'secureEnvironmentVariables', 'overwrite', 'registryServer', 'registryIdentity', 'dockerRegistryConnection', 'subnetIds', 'timeoutMinutes'], defaults: {"productionTag":"lifecycle=production","imageSource":"modelPackage","scoringScript":"score.py","cpu":"1","memoryGb":"1.5","overwrite":"true","timeoutMinutes":"20"}, outputs: ['scoringUri', 'fqdn', 'image', 'containerGroupId'] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
