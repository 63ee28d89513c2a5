// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of DeployBatchEndpoint as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'deploymentConfigFile', 'endpointName', 'deploymentName', 'deploymentType', 'computeName', 'setDefault', 'endpointDescription', 'modelName', 'modelVersion', 'productionTag', 'environment', 'condaFile', 'codePath', 'scoringScript', 'componentId', 'miniBatchSize', 'instanceCount', 'maxConcurrencyPerInstance', 'outputAction', 'outputFileName', 'maxRetries', 'retryTimeoutSeconds', 'errorThreshold', 'loggingLevel', 'timeoutMinutes'], defaults: {"setDefault":"false","productionTag":"lifecycle=production","scoringScript":"score.py","timeoutMinutes":"30"}, outputs: ['endpointName', 'deploymentName', 'invocationUri'] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
