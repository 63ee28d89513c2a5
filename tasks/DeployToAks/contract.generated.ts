// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of DeployToAks as its task.json declares them. */
export const INPUTS = ['azureSubscription', 'resourceGroupName', 'workspaceName', 'endpointName', 'deploymentName', 'computeType', 'computeName', 'authMode', 'modelName', 'modelVersion', 'productionTag', 'environment', 'condaFile', 'codePath', 'scoringScript', 'trafficStrategy', 'canarySteps', 'smokePayload', 'deleteOldDeployment', 'deploymentConfigFile', 'instanceType', 'instanceCount', 'timeoutMinutes'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'computeType': 'kubernetes',
  'authMode': 'key',
  'productionTag': 'lifecycle=production',
  'scoringScript': 'score.py',
  'trafficStrategy': 'replace',
  'canarySteps': '10,50,100',
  'deleteOldDeployment': 'false',
  'timeoutMinutes': '30'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = ['scoringUri', 'endpointName', 'deploymentName', 'previousDeploymentName', 'traffic'] as const;
export type OutputName = (typeof OUTPUTS)[number];
