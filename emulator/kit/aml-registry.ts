import type { EmulatorState } from './state';
import { assetById } from './state';

/**
 * A small seeded catalogue of the public `azureml` registry: the curated environments Microsoft's examples name
 * most (`azureml://registries/azureml/environments/<name>/labels/latest` or `/versions/<n>`), and the legacy
 * curated names every workspace lists (`azureml:AzureML-<name>@latest`). Versions are the emulator's own numbering:
 * the catalogue stands in for the registry's content, it does not mirror it. Anything else is refused as the
 * service refuses an asset it cannot find.
 */
export const CURATED_ENVIRONMENTS: Record<string, { image: string; versions: string[] }> = {
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

const REGISTRY_REF = /^azureml:\/\/registries\/([^/]+)\/(environments|components|models|data)\/([^/]+)\/(versions|labels)\/([^/]+)$/;

/** Why the service would not find `ref` (a registry URI or `azureml:`-prefixed ARM id), or undefined when it resolves. */
export function unresolvedReference(state: EmulatorState, ref: string, what: string): string | undefined {
  const registry = REGISTRY_REF.exec(ref);
  if (registry) {
    const [, name, type, asset, by, value] = registry;
    if (name !== 'azureml' || type !== 'environments') return `${what} '${ref}' was not found: registry '${name}' has no ${type} asset '${asset}'.`;
    const env = CURATED_ENVIRONMENTS[asset];
    if (!env) return `${what} '${ref}' was not found: registry 'azureml' has no environment '${asset}'.`;
    if (by === 'labels' ? value !== 'latest' : !env.versions.includes(value))
      return `${what} '${ref}' was not found: environment '${asset}' in registry 'azureml' has no ${by === 'labels' ? 'label' : 'version'} '${value}'.`;
    return undefined;
  }
  if (/^azureml:\/?\/?subscriptions\//i.test(ref) || /^\/subscriptions\//i.test(ref)) {
    const id = ref.replace(/^azureml:\/*/i, '/');
    return assetById(state, id) ? undefined : `${what} '${id}' was not found.`;
  }
  return undefined;
}
