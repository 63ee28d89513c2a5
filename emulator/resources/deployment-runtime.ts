import { assetResourceById } from '../kit/aml-registry';
import { fail } from '../kit/http';
import { pullRefusal, WORKSPACE_IDENTITY, WORKSPACE_REGISTRY } from '../kit/registries';
import { assetById, type EmulatorState, type Workspace } from '../kit/state';
import type { ScoringRun } from '../runtime/inference-server';
import { readMlflowModel } from '../runtime/mlflow-server';
import { CURATED_MODULES, inferenceRuntime } from '../runtime/python-runtime';
import { modelById, mountedModel } from './models';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

/** What an online deployment runs, or why the emulator cannot run it (the deployment then fails with that state). */
export type DeploymentRun = { run: ScoringRun; notes: string[] } | { cannotRun: string };

/** The model version a deployment names: a workspace ARM id or a registry reference. */
function modelResource(state: EmulatorState, id: string): Record<string, any> | undefined {
  return modelById(state, id)?.resource ?? (/^azureml:\/\/registries\//i.test(id) ? assetResourceById(state, id) : undefined);
}

/** Python modules a conda file lists (conda and pip names as imported), for the deployment's log. */
function condaPackages(conda: string | undefined): string[] {
  if (!conda) return [];
  const doc = parseYaml(conda) as { dependencies?: (string | { pip?: string[] })[] } | undefined;
  const names = (doc?.dependencies ?? []).flatMap((d) => (typeof d === 'string' ? [d] : (d.pip ?? [])));
  return names.map((n) => n.split(/[=<>~![\s]/)[0].toLowerCase()).filter((n) => n && n !== 'python' && n !== 'pip');
}

function environmentNotes(env: Record<string, any>): string[] {
  const listed = condaPackages(env.properties.condaFile);
  const runtime = inferenceRuntime();
  const provides = CURATED_MODULES.filter((m) => !runtime.missing.includes(m.module)).map((m) => m.module);
  return [
    `Environment image ${env.properties.image ?? `(build ${env.properties.build?.contextUri ?? ''})`}: run on the emulator's inference runtime ${runtime.python} (${provides.join(', ') || 'standard library only'}).`,
    ...(listed.length ? [`The conda file lists: ${listed.join(', ')}.`] : []),
  ];
}

/** A model package's environment: model, code and server are in the image, so the deployment names neither. */
function packageRun(state: EmulatorState, props: Record<string, any>, image: string): DeploymentRun | undefined {
  const pkg = state.packages.get(image);
  if (!pkg) return undefined;
  if (props.model || props.codeConfiguration)
    fail(
      400,
      'ValidationError',
      'A deployment of a model package environment takes no model or codeConfiguration: the package already holds them.',
      'properties.model',
    );
  const code = String(assetById(state, pkg.codeId)?.resource.properties.codeUri ?? '');
  return { run: { codeUri: code, scoringScript: pkg.scoringScript, modelDir: pkg.modelDir, environmentVariables: pkg.environmentVariables }, notes: [] };
}

/**
 * What a deployment runs: a model package's image as it is; a model with its scoring code on the inference
 * runtime; an MLflow model without code on the no-code MLflow server. Validation errors are the service's 400s.
 */
export function whatItRuns(state: EmulatorState, ws: Workspace, props: Record<string, any>): DeploymentRun {
  const envId = props.environmentId ? String(props.environmentId) : undefined;
  const env = envId ? assetResourceById(state, envId) : undefined;
  if (envId && !env) fail(400, 'ValidationError', `Environment '${envId}' was not found.`, 'properties.environmentId');
  const image = String(env?.properties.image ?? '');
  const pkg = packageRun(state, props, image);
  if (pkg) return pkg;
  const model = modelResource(state, String(props.model ?? ''));
  if (!model) fail(400, 'ValidationError', `Model '${props.model}' was not found.`, 'properties.model');
  const type = String(model.properties.modelType ?? 'CustomModel');
  const codeId = props.codeConfiguration?.codeId;
  if (!codeId && type !== 'MLFlowModel' && !env?.properties.inferenceConfig)
    fail(
      400,
      'ValidationError',
      'A model that is not an MLflow model needs codeConfiguration (a scoring script) and an environment.',
      'properties.codeConfiguration',
    );
  if (Boolean(codeId) !== Boolean(env) && !env?.properties.inferenceConfig)
    fail(400, 'ValidationError', 'codeConfiguration and environmentId go together: give both, or neither for an MLflow model.', 'properties.environmentId');
  const modelDir = mountedModel(state, ws, String(model.properties.modelUri ?? ''));
  if (!modelDir) return { cannotRun: `the files of model '${props.model}' (${model.properties.modelUri}) cannot be read` };
  // A custom container serves itself, unless it is an Azure ML inference server image (port 5001) running a Python script.
  const routes = env?.properties.inferenceConfig;
  const azuremlServer = codeId && String(props.codeConfiguration?.scoringScript ?? '').endsWith('.py') && (routes?.scoringRoute?.port ?? 5001) === 5001;
  if (routes && !azuremlServer)
    return {
      cannotRun: `cannot run locally: needs the image's own server (${image || 'a Docker build'}, serving on port ${routes.scoringRoute?.port ?? '?'})`,
    };
  if (!codeId) {
    if (type === 'TritonModel') return { cannotRun: 'cannot run locally: needs NVIDIA Triton Inference Server for a triton_model' };
    const mlflow = readMlflowModel(modelDir, parseYaml);
    if (typeof mlflow === 'string') return { cannotRun: `cannot run locally: ${mlflow}` };
    return { run: { mlflow, modelDir, environmentVariables: {} }, notes: [`No-code MLflow deployment: loader ${mlflow.loader}.`] };
  }
  const code = assetById(state, String(codeId));
  if (!code) fail(400, 'ValidationError', `Code '${codeId}' was not found.`, 'properties.codeConfiguration.codeId');
  const run = { codeUri: String(code.resource.properties.codeUri), scoringScript: String(props.codeConfiguration?.scoringScript ?? 'score.py'), modelDir };
  return { run: { ...run, environmentVariables: {} }, notes: env ? environmentNotes(env) : [] };
}

/**
 * Why the deployment's environment image cannot be had, if it cannot: Azure ML builds every environment on its
 * image and reports a base it cannot pull as ImageBuildFailure (its online endpoint troubleshooting guide). The
 * service pulls from the workspace's own registry with the workspace identity; curated registry images are its own.
 */
export function imageProblem(state: EmulatorState, props: Record<string, any>): string | undefined {
  const env = props.environmentId ? assetResourceById(state, String(props.environmentId)) : undefined;
  if (!env || env.properties.environmentType === 'Curated') return undefined;
  const image = String(env.properties.image ?? '');
  const refusal = image ? pullRefusal(state, image, [{ server: WORKSPACE_REGISTRY, identity: WORKSPACE_IDENTITY }]) : undefined;
  return refusal && `The environment image '${image}' could not be pulled: ${refusal}.`;
}

/** The module a pip or conda package installs, where its name differs (azureml-* and azure-* share a namespace). */
function moduleOf(pkg: string): string {
  const known: Record<string, string> = { 'scikit-learn': 'sklearn', pillow: 'PIL', pyyaml: 'yaml', 'python-dateutil': 'dateutil', 'opencv-python': 'cv2' };
  if (known[pkg]) return known[pkg];
  if (/^azureml-/.test(pkg)) return 'azureml';
  if (/^azure-/.test(pkg)) return 'azure';
  return pkg.replace(/-/g, '_');
}

/** Why a started server did not become ready: a module the runtime lacks (named), or a crash. */
export function notReady(name: string, missing: string | undefined, conda: string | undefined, mlflowLoader?: string): string {
  // Azure ML brings mlflow and the flavour's library for a no-code MLflow deployment; the emulator's runtime may not.
  if (missing && mlflowLoader)
    return `cannot run locally: the MLflow loader '${mlflowLoader}' needs '${missing}', which the emulator's inference runtime (${inferenceRuntime().python}) does not have.`;
  if (!missing) return `User container has crashed or terminated: the readiness probe of deployment '${name}' failed. See the deployment logs.`;
  // A missing submodule of a package the runtime has (sklearn.externals) is a version difference, not a missing package.
  const top = missing.split('.')[0];
  const installer = top === missing || inferenceRuntime().missing.includes(top) ? condaPackages(conda).find((p) => moduleOf(p) === top) : undefined;
  return installer
    ? `cannot run locally: the scoring code imports '${top}', which the environment installs ('${installer}') but the emulator's inference runtime (${inferenceRuntime().python}) does not have.`
    : `User container has crashed or terminated: ModuleNotFoundError: No module named '${missing}' (the environment does not install it). See the deployment logs.`;
}
