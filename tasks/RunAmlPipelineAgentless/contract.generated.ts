// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of RunAmlPipelineAgentless as its task.json declares them. */
export const CONTRACT = { inputs: ['azureSubscription', 'resourceGroupName', 'workspaceName', 'mode', 'componentId', 'componentName', 'componentVersion', 'jobName', 'experimentName', 'displayName', 'computeName', 'pipelineInputs', 'tags'], defaults: {"mode":"submit","jobName":"azdo-$(System.PlanId)-$(System.JobAttempt)","experimentName":"azure-devops","pipelineInputs":"{}"}, outputs: [] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
