// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of PromoteModel as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'modelName', 'modelVersion', 'productionTag', 'registryName', 'registryResourceGroup', 'destinationName', 'destinationVersion', 'targetWorkspaceName', 'targetResourceGroupName', 'timeoutMinutes'], defaults: {"productionTag":"lifecycle=production","timeoutMinutes":"30"}, outputs: ['registryModelId', 'modelName', 'modelVersion'] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
