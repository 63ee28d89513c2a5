import type { EmulatorState, RegistryAssetVersion } from './state';
import { assetById } from './state';

/**
 * A small seeded catalogue of the public `azureml` registry: the curated environments Microsoft's examples name
 * most (`azureml://registries/azureml/environments/<name>/labels/latest` or `/versions/<n>`), and the legacy
 * curated names every workspace lists (`azureml:AzureML-<name>@latest`). Versions are the emulator's own numbering:
 * the catalogue stands in for the registry's content, it does not mirror it. Anything else is refused as the
 * service refuses an asset it cannot find.
 */
const upTo = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

export const CURATED_ENVIRONMENTS: Record<string, { image: string; versions: string[] }> = {
  'sklearn-1.1': { image: 'mcr.microsoft.com/azureml/curated/sklearn-1.1', versions: upTo(30) },
  'sklearn-1.0': { image: 'mcr.microsoft.com/azureml/curated/sklearn-1.0', versions: ['1', '2', '3'] },
  'sklearn-1.5': { image: 'mcr.microsoft.com/azureml/curated/sklearn-1.5', versions: ['1', '2', '3'] },
  'minimal-py311-inference': { image: 'mcr.microsoft.com/azureml/curated/minimal-py311-inference', versions: ['1', '2'] },
  'minimal-ubuntu22.04-py311-cpu-inference': { image: 'mcr.microsoft.com/azureml/curated/minimal-ubuntu22.04-py311-cpu-inference', versions: ['1'] },
  'minimal-ubuntu20.04-py38-cpu-inference': { image: 'mcr.microsoft.com/azureml/curated/minimal-ubuntu20.04-py38-cpu-inference', versions: ['1'] },
  'acpt-pytorch-2.2-cuda12.1': { image: 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1', versions: ['1'] },
  'tensorflow-2.16-cuda12': { image: 'mcr.microsoft.com/azureml/curated/tensorflow-2.16-cuda12', versions: ['1'] },
};

/** Curated environments every workspace lists (legacy names), with the newest of their versions 1..n. */
export const WORKSPACE_CURATED: Record<string, number> = {
  'AzureML-sklearn-1.0-ubuntu20.04-py38-cpu': 30,
  'AzureML-sklearn-0.24-ubuntu18.04-py37-cpu': 30,
  'AzureML-minimal-ubuntu18.04-py37-cpu-inference': 30,
  'AzureML-tensorflow-2.4-ubuntu18.04-py37-cuda11-gpu': 30,
  'AzureML-pytorch-1.10-ubuntu18.04-py38-cuda11-gpu': 30,
  'AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu': 30,
};

const REGISTRY_REF = /^azureml:\/\/registries\/([^/]+)\/(environments|components|models|data|codes)\/([^/]+)\/(versions|labels)\/([^/]+)$/i;

export function registryAssetKey(registry: string, type: string, name: string, version: string): string {
  return `registries/${registry}/${type}/${name}/versions/${version}`.toLowerCase();
}

/**
 * The registry asset a `azureml://registries/...` reference names, or why there is none: the azureml registry's
 * curated environments come from the catalogue, everything else from the registries' stored versions
 * (`labels/latest` is the newest version created).
 */
export function registryAsset(state: EmulatorState, ref: string): RegistryAssetVersion | string {
  const m = REGISTRY_REF.exec(ref);
  if (!m) return `'${ref}' is not a registry asset reference`;
  const [, registry, type, name, by, value] = m;
  const env = registry === 'azureml' && type === 'environments' ? CURATED_ENVIRONMENTS[name] : undefined;
  if (env) {
    const version = by === 'labels' ? (value === 'latest' ? env.versions[env.versions.length - 1] : undefined) : env.versions.find((v) => v === value);
    if (!version) return `environment '${name}' in registry 'azureml' has no ${by === 'labels' ? 'label' : 'version'} '${value}'`;
    const id = `azureml://registries/azureml/environments/${name}/versions/${version}`;
    return { registry, type, name, version, resource: { id, name: version, properties: { image: `${env.image}:${version}`, environmentType: 'Curated' } } };
  }
  const versions = [...state.registryAssets.values()].filter((a) => a.registry === registry.toLowerCase() && a.type === type && a.name === name);
  const found =
    by === 'versions'
      ? versions.find((a) => a.version === value)
      : value === 'latest'
        ? versions.sort((a, b) => String(b.resource.systemData?.createdAt).localeCompare(String(a.resource.systemData?.createdAt)))[0]
        : undefined;
  return found ?? `registry '${registry}' has no ${type} asset '${name}' with ${by === 'labels' ? 'label' : 'version'} '${value}'`;
}

/** Why the service would not find `ref` (a registry URI or `azureml:`-prefixed ARM id), or undefined when it resolves. */
export function unresolvedReference(state: EmulatorState, ref: string, what: string): string | undefined {
  if (REGISTRY_REF.test(ref)) {
    const asset = registryAsset(state, ref);
    return typeof asset === 'string' ? `${what} '${ref}' was not found: ${asset}.` : undefined;
  }
  if (/^azureml:\/?\/?subscriptions\//i.test(ref) || /^\/subscriptions\//i.test(ref)) {
    const id = ref.replace(/^azureml:\/*/i, '/');
    return assetById(state, id) ? undefined : `${what} '${id}' was not found.`;
  }
  return undefined;
}

/** An asset version by the id a job or component carries: a workspace ARM id or a registry reference. */
export function assetResourceById(state: EmulatorState, id: string): Record<string, any> | undefined {
  if (REGISTRY_REF.test(id)) {
    const asset = registryAsset(state, id);
    return typeof asset === 'string' ? undefined : asset.resource;
  }
  return assetById(state, id)?.resource;
}
