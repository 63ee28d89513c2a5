// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of RunAmlPipelineAgentless as its task.json declares them. */
export const INPUTS = ['azureSubscription', 'resourceGroupName', 'workspaceName', 'mode', 'componentId', 'componentName', 'componentVersion', 'jobName', 'experimentName', 'displayName', 'computeName', 'pipelineInputs', 'tags'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'mode': 'submit',
  'jobName': 'azdo-$(System.PlanId)-$(System.JobAttempt)',
  'experimentName': 'azure-devops',
  'pipelineInputs': '{}'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = [] as const;
export type OutputName = (typeof OUTPUTS)[number];
