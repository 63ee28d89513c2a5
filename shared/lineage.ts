import type { Platform } from './platform/platform';

const LINEAGE_VARIABLES: Record<string, string> = {
  BuildId: 'Build.BuildId',
  BuildUri: 'Build.BuildUri',
  Repository: 'Build.Repository.Name',
  SourceVersion: 'Build.SourceVersion',
  PipelineDefinition: 'Build.DefinitionName',
};

/** Tags that trace an Azure asset back to the run that made it; `extra` comes first, lineage wins on a clash. */
export function lineageTags(platform: Platform, extra: Record<string, string> = {}): Record<string, string> {
  const tags = { ...extra };
  for (const [tag, variable] of Object.entries(LINEAGE_VARIABLES)) {
    const value = platform.variable(variable);
    if (value) tags[tag] = value;
  }
  return tags;
}
