import type { EmulatorState, Registry } from './state';

/** The workspace's own registry, where model packages land (a workspace's `containerRegistry`). */
export const WORKSPACE_REGISTRY = 'emuacr.azurecr.io';
/** The workspace's system-assigned identity, which has AcrPull on its registry (Azure ML grants it at creation). */
export const WORKSPACE_IDENTITY = 'workspace-system-assigned-identity';

/**
 * The public images the emulator can stand in for: Azure ML's curated inference and training bases and the ACI
 * quickstart image. Any other public reference is an image no registry holds.
 */
export const MCR_REPOSITORIES = [
  'azureml/minimal-ubuntu22.04-py311-cpu-inference',
  'azureml/minimal-ubuntu22.04-py39-cpu-inference',
  'azureml/minimal-ubuntu20.04-py38-cpu-inference',
  'azureml/minimal-ubuntu20.04-py39-cpu-inference',
  'azureml/minimal-py311-inference',
  'azureml/openmpi4.1.0-ubuntu22.04',
  'azureml/openmpi4.1.0-ubuntu20.04',
  'azureml/openmpi3.1.2-ubuntu18.04',
  'azureml/inference-base-2204',
  'azuredocs/aci-helloworld',
];

/**
 * Public registries beside MCR, with the model servers Microsoft's custom-container examples pull: the emulator
 * pulls them, then reports that it cannot run their servers locally.
 */
export const PUBLIC_REPOSITORIES: Record<string, string[]> = {
  'docker.io': ['tensorflow/serving', 'pytorch/torchserve', 'rocker/r-ver', 'rstudio/plumber', 'vllm/vllm-openai'],
  'nvcr.io': ['nvidia/tritonserver'],
  'ghcr.io': ['huggingface/text-generation-inference'],
};

export interface ImageRef {
  server: string;
  repository: string;
  tag: string;
}

/** `server/repository:tag` (or `@digest`); Docker Hub's short forms name docker.io. */
export function parseImage(image: string): ImageRef {
  const [first, ...rest] = image.split('/');
  const hasServer = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const server = hasServer ? first.toLowerCase() : 'docker.io';
  const path = hasServer ? rest.join('/') : image;
  const at = path.indexOf('@');
  const colon = path.lastIndexOf(':');
  if (at >= 0) return { server, repository: path.slice(0, at), tag: path.slice(at + 1) };
  return colon > 0 ? { server, repository: path.slice(0, colon), tag: path.slice(colon + 1) } : { server, repository: path, tag: 'latest' };
}

/** Whether `registry` holds `ref` (a model package's image counts once built). */
function holds(state: EmulatorState, registry: Registry, ref: ImageRef): boolean {
  const full = `${ref.server}/${ref.repository}:${ref.tag}`;
  return registry.images.has(ref.repository) || registry.images.has(`${ref.repository}:${ref.tag}`) || state.packages.has(full);
}

export interface PullCredential {
  server: string;
  username?: string;
  password?: string;
  identity?: string;
}

/**
 * Why `image` cannot be pulled with `credentials`, or undefined when it can: the registry does not exist or hold it,
 * or it is private and no credential for its server matches its admin user or a pulling identity.
 */
export function pullRefusal(state: EmulatorState, image: string, credentials: PullCredential[]): string | undefined {
  const ref = parseImage(image);
  const registry = state.registries.get(ref.server);
  if (!registry || !holds(state, registry, ref)) return 'no registry holds it';
  if (registry.anonymous) return undefined;
  const credential = credentials.find((c) => c.server.toLowerCase() === ref.server);
  if (!credential) return `'${ref.server}' is private and no registry credential names it`;
  if (credential.identity) return registry.pullIdentities.has(credential.identity.toLowerCase()) ? undefined : `identity cannot pull from '${ref.server}'`;
  return credential.username === registry.username && credential.password === registry.password ? undefined : `wrong credentials for '${ref.server}'`;
}
