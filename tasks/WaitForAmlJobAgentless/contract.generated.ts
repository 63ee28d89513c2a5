// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of WaitForAmlJobAgentless as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'jobName'], defaults: {}, outputs: [] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
