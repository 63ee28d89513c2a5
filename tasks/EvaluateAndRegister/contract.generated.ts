// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of EvaluateAndRegister as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'jobName', 'metricsSource', 'modelName', 'modelOutputName', 'modelPath', 'modelType', 'description', 'tags', 'rules', 'champion', 'onNotBetter', 'promoteTag', 'publishToRegistry', 'registryResourceGroup'], defaults: {"modelOutputName":"model","modelType":"custom_model","champion":"tag:lifecycle=production","onNotBetter":"skip","promoteTag":"lifecycle=production"}, outputs: ['registered', 'modelName', 'modelVersion', 'modelId', 'championVersion', 'decision', 'candidateMetrics', 'championMetrics', 'registryModelId'] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
