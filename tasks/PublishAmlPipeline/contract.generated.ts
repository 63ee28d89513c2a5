// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of PublishAmlPipeline as its task.json declares them. */
export const INPUTS = ['azureSubscription', 'resourceGroupName', 'workspaceName', 'pipelineFile', 'componentName', 'componentVersion', 'tags', 'archivePreviousVersions', 'dryRun'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'componentVersion': '$(Build.BuildId)',
  'archivePreviousVersions': 'false',
  'dryRun': 'false'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = ['componentId', 'componentName', 'componentVersion'] as const;
export type OutputName = (typeof OUTPUTS)[number];
