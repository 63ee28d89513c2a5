/** The asset kinds a pipeline YAML references by name. */
export type AssetType = 'environments' | 'components' | 'models' | 'data';

/**
 * An asset reference in every form `az ml` takes:
 * - `azureml:<name>:<version>` and `azureml:<name>@latest` (this workspace),
 * - `azureml://registries/<registry>/<type>/<name>/versions/<v>` or `.../labels/latest` (a registry),
 * - `azureml:/subscriptions/.../workspaces/<ws>/<type>/<name>/versions/<v>` and the `azureml://subscriptions/...`
 *   spelling (an ARM id, possibly of another workspace).
 */
export type AssetRef =
  | { kind: 'workspace'; type: AssetType; name: string; version: string }
  | { kind: 'workspaceLatest'; type: AssetType; name: string }
  | { kind: 'registry'; type: AssetType; registry: string; name: string; version?: string; label?: string; uri: string }
  | { kind: 'armId'; type: AssetType; id: string };

const NAME = '[A-Za-z0-9][\\w.-]*';
const REGISTRY = new RegExp(`^azureml://registries/(${NAME})/(environments|components|models|data)/(${NAME})/(versions|labels)/(${NAME})$`);
const ARM_ID = new RegExp(
  `^azureml:(?://|/)?(subscriptions/[^/]+/resource[gG]roups/[^/]+/(?:providers/Microsoft\\.MachineLearningServices/)?workspaces/[^/]+/(environments|components|models|data)/${NAME}/versions/${NAME})$`,
);

/** A reference `text` to an asset of `type`, or a reason it is not one (undefined when it is not `azureml:` at all). */
export function parseAssetRef(text: string, type: AssetType): AssetRef | { error: string } | undefined {
  if (!text.startsWith('azureml:')) return undefined;
  const registry = REGISTRY.exec(text);
  if (registry) {
    if (registry[2] !== type) return { error: `'${text}' names registry ${registry[2]}, not ${type}` };
    const [, reg, , name, by, value] = registry;
    return by === 'versions'
      ? { kind: 'registry', type, registry: reg, name, version: value, uri: text }
      : { kind: 'registry', type, registry: reg, name, label: value, uri: text };
  }
  const arm = ARM_ID.exec(text);
  if (arm) {
    if (arm[2] !== type) return { error: `'${text}' is the id of ${arm[2]}, not ${type}` };
    // ARM ids are spelled with providers/Microsoft.MachineLearningServices; the short azureml:// form omits it.
    const id = `/${arm[1]}`.replace(/\/workspaces\//, (m, offset: number, whole: string) =>
      whole.slice(0, offset).includes('/providers/') ? m : '/providers/Microsoft.MachineLearningServices/workspaces/',
    );
    return { kind: 'armId', type, id };
  }
  const latest = new RegExp(`^azureml:(${NAME})@latest$`).exec(text);
  if (latest) return { kind: 'workspaceLatest', type, name: latest[1] };
  const versioned = new RegExp(`^azureml:(${NAME}):(${NAME})$`).exec(text);
  if (versioned) return { kind: 'workspace', type, name: versioned[1], version: versioned[2] };
  return {
    error: `'${text}' is not a reference this product reads; use azureml:<name>:<version>, azureml:<name>@latest, azureml://registries/<registry>/${type}/<name>/versions/<version> (or /labels/latest), or an ARM id`,
  };
}
