// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of EvaluateAndRegister as its task.json declares them. */
export const INPUTS = ['azureSubscription', 'resourceGroupName', 'workspaceName', 'jobName', 'metricsSource', 'modelName', 'modelOutputName', 'modelPath', 'modelType', 'description', 'tags', 'rules', 'champion', 'onNotBetter', 'promoteTag'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'modelOutputName': 'model',
  'modelType': 'custom_model',
  'champion': 'tag:lifecycle=production',
  'onNotBetter': 'skip',
  'promoteTag': 'lifecycle=production'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = ['registered', 'modelName', 'modelVersion', 'modelId', 'championVersion', 'decision'] as const;
export type OutputName = (typeof OUTPUTS)[number];
