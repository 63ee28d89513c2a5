// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of DeployToAks as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'endpointName', 'deploymentName', 'computeType', 'computeName', 'authMode', 'modelName', 'modelVersion', 'productionTag', 'environment', 'condaFile', 'codePath', 'scoringScript', 'trafficStrategy', 'canarySteps', 'smokePayload', 'smokeRequestFile', 'deleteOldDeployment', 'deploymentConfigFile', 'endpointConfigFile', 'instanceType', 'instanceCount', 'timeoutMinutes'], defaults: {"productionTag":"lifecycle=production","scoringScript":"score.py","trafficStrategy":"replace","canarySteps":"10,50,100","deleteOldDeployment":"false","timeoutMinutes":"30"}, outputs: ['scoringUri', 'endpointName', 'deploymentName', 'previousDeploymentName', 'traffic'] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
