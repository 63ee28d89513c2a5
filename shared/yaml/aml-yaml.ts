import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'yaml';
import { parseAssetRef, type AssetRef, type AssetType } from '../aml/asset-refs';
import { yaml, YamlDocs, type Loaded } from './yaml-docs';

/** A path `az ml` uploads from the machine (not an asset, datastore or web URI, nor a binding). */
export function isLocalPath(value: string): boolean {
  return !/^(azureml:|https?:|wasbs?:|abfss?:|adl:|\$\{\{)/.test(value);
}

const ASSET_KEYS = ['$schema', 'type', 'name', 'version', 'display_name', 'description', 'tags', 'properties'];
export const ENVIRONMENT_KEYS = [...ASSET_KEYS, 'image', 'conda_file', 'build', 'os_type', 'inference_config'];
const ROUTE_KEYS = ['port', 'path'];

/** A custom container's routes (environment `inference_config`), in ARM's names. */
export interface InferenceConfig {
  livenessRoute?: { port: number; path: string };
  readinessRoute?: { port: number; path: string };
  scoringRoute?: { port: number; path: string };
}

/** An environment as a YAML (or a task input) gives it: a reference, or an inline definition registered on use. */
export type EnvironmentSpec =
  | { kind: 'ref'; ref: AssetRef }
  | {
      kind: 'inline';
      name: string;
      version?: string;
      image?: string;
      condaFile?: string;
      /** A Docker build context folder and its Dockerfile, uploaded as `az ml` uploads it. */
      build?: { dir: string; dockerfilePath: string };
      description?: string;
      osType?: string;
      inferenceConfig?: InferenceConfig;
    };

/** YAML files of Azure ML assets: local paths, asset references and environments, each error at file:line:key. */
export class AmlYamlDocs extends YamlDocs {
  /** A local file or folder the YAML names, resolved against the YAML's folder; it must exist. */
  protected localPath(doc: Loaded, node: Node | undefined, key: string, text: string): string {
    const full = path.resolve(path.dirname(doc.file), text.replace(/^file:/, ''));
    if (!fs.existsSync(full)) this.fail(doc, node, key, `the local path '${text}' does not exist (relative to ${this.rel(doc.file)})`);
    return full;
  }

  protected ref(doc: Loaded, node: Node | undefined, key: string, type: AssetType): AssetRef | undefined {
    const text = this.str(doc, node, key);
    if (text === undefined) return undefined;
    const ref = parseAssetRef(text, type);
    if (ref && 'error' in ref) this.fail(doc, node, key, ref.error);
    return ref;
  }

  protected environment(doc: Loaded, node: Node | undefined, key: string, fallbackName: string): EnvironmentSpec {
    if (node === undefined) this.fail(doc, undefined, key, 'is required');
    if (!yaml().isMap(node)) {
      const ref = this.ref(doc, node, key, 'environments');
      if (!ref) this.fail(doc, node, key, `'${this.str(doc, node, key)}' is neither an environment reference (azureml:...) nor an inline mapping`);
      return { kind: 'ref', ref };
    }
    const e = this.entries(doc, node, key, ENVIRONMENT_KEYS);
    const image = this.str(doc, e.get('image'), `${key}.image`);
    const conda = this.str(doc, e.get('conda_file'), `${key}.conda_file`);
    const build = this.buildContext(doc, e.get('build'), `${key}.build`);
    if (!image && !build) this.fail(doc, node, key, 'an inline environment needs an image or a build context (build.path)');
    return {
      kind: 'inline',
      name: this.str(doc, e.get('name'), `${key}.name`) ?? fallbackName,
      version: this.str(doc, e.get('version'), `${key}.version`),
      image,
      condaFile: conda ? fs.readFileSync(this.localPath(doc, e.get('conda_file'), `${key}.conda_file`, conda), 'utf8') : undefined,
      build,
      description: this.str(doc, e.get('description'), `${key}.description`),
      osType: this.str(doc, e.get('os_type'), `${key}.os_type`),
      inferenceConfig: this.inferenceConfig(doc, e.get('inference_config'), `${key}.inference_config`),
    };
  }

  private buildContext(doc: Loaded, node: Node | undefined, key: string): { dir: string; dockerfilePath: string } | undefined {
    if (node === undefined) return undefined;
    if (!yaml().isMap(node)) this.fail(doc, node, key, 'expected a mapping with path (and dockerfile_path)');
    const b = this.entries(doc, node, key, ['path', 'dockerfile_path']);
    const dirText = this.str(doc, b.get('path'), `${key}.path`);
    if (!dirText) this.fail(doc, node, `${key}.path`, 'is required: the Docker build context folder');
    const dir = this.localPath(doc, b.get('path'), `${key}.path`, dirText);
    const dockerfilePath = this.str(doc, b.get('dockerfile_path'), `${key}.dockerfile_path`) ?? 'Dockerfile';
    if (!fs.existsSync(path.join(dir, dockerfilePath)))
      this.fail(doc, b.get('dockerfile_path') ?? node, `${key}.dockerfile_path`, `'${dockerfilePath}' is not in the build context '${dirText}'`);
    return { dir, dockerfilePath };
  }

  private inferenceConfig(doc: Loaded, node: Node | undefined, key: string): InferenceConfig | undefined {
    if (node === undefined) return undefined;
    if (!yaml().isMap(node)) this.fail(doc, node, key, 'expected a mapping with liveness_route, readiness_route and scoring_route');
    const e = this.entries(doc, node, key, ['liveness_route', 'readiness_route', 'scoring_route']);
    const route = (name: string) => {
      const r = e.get(name);
      if (r === undefined) return undefined;
      if (!yaml().isMap(r)) this.fail(doc, r, `${key}.${name}`, 'expected a mapping with port and path');
      const parts = this.entries(doc, r, `${key}.${name}`, ROUTE_KEYS);
      const port = Number(this.str(doc, parts.get('port'), `${key}.${name}.port`));
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        this.fail(doc, parts.get('port') ?? r, `${key}.${name}.port`, 'expected a port number (1-65535)');
      return { port, path: this.str(doc, parts.get('path'), `${key}.${name}.path`) ?? '/' };
    };
    return { livenessRoute: route('liveness_route'), readinessRoute: route('readiness_route'), scoringRoute: route('scoring_route') };
  }
}
