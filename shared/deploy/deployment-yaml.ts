import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'yaml';
import type { AssetRef } from '../aml/asset-refs';
import { AmlYamlDocs, isLocalPath, type EnvironmentSpec } from '../yaml/aml-yaml';
import { yaml, type Loaded } from '../yaml/yaml-docs';
import { SETTINGS } from './deployment-settings';

/** A deployment's model as the YAML gives it: a reference, or a path registered on the fly. */
export type ModelSpec =
  | { kind: 'ref'; ref: AssetRef }
  | {
      kind: 'path';
      /** A local file or folder (full path), or a cloud URI (azureml://datastores/..., azureml://jobs/...). */
      path: string;
      local: boolean;
      name?: string;
      version?: string;
      type: 'custom_model' | 'mlflow_model' | 'triton_model';
      description?: string;
      tags?: Record<string, string>;
    };

/** An online deployment YAML (`az ml online-deployment create -f`), read key by key with where each came from. */
export interface DeploymentFile {
  file: string;
  type?: 'managed' | 'kubernetes';
  name?: string;
  endpointName?: string;
  model?: ModelSpec;
  environment?: EnvironmentSpec;
  code?: { dir: string; scoringScript: string };
  instanceCount?: number;
  /** Deployment properties in ARM's names (instanceType, probes, request, scale and data-collector settings, ...). */
  settings: Record<string, unknown>;
  tags?: Record<string, string>;
  /** `file:line` of each top-level key, for the run summary's "from" column. */
  where: Record<string, string>;
  warnings: string[];
}

const MODEL_KEYS = ['$schema', 'name', 'version', 'path', 'local_path', 'type', 'description', 'tags', 'properties', 'stage', 'flavors'];
const MODEL_TYPES = ['custom_model', 'mlflow_model', 'triton_model'];
const TOP_KEYS = ['$schema', 'name', 'endpoint_name', 'type', 'model', 'code_configuration', 'environment', 'instance_count', 'tags', ...Object.keys(SETTINGS)];

/** Reads online deployment YAML; the batch deployment reader shares its model and code_configuration rules. */
export class DeploymentReader extends AmlYamlDocs {
  read(file: string, computeType: 'managed' | 'kubernetes' | undefined): DeploymentFile {
    const doc = this.load(file);
    const e = this.entries(doc, doc.map, '', TOP_KEYS);
    const type = e.get('type') ? this.kind(doc, e.get('type') as Node) : undefined;
    const effective = computeType ?? type;
    if (type && computeType && type !== computeType)
      this.fail(doc, e.get('type'), 'type', `this is a ${type} deployment, but computeType is '${computeType}'; make them agree`);
    const out: DeploymentFile = { file, type, settings: {}, where: {}, warnings: [] };
    const keyNodes = new Map(doc.map.items.map((pair) => [String((pair.key as { value: unknown }).value), pair.key as Node]));
    for (const [key, node] of keyNodes) out.where[key] = this.place(doc, node);
    for (const [key, node] of e) {
      const setting = SETTINGS[key];
      if (!setting) continue;
      if (setting.only && effective && setting.only !== effective)
        this.fail(doc, keyNodes.get(key), key, `is a ${setting.only} online-deployment key; this deployment is ${effective}`);
      if (this.isNull(node)) continue;
      const [name, value] = setting.convert(this, doc, node, key);
      out.settings[name] = value;
    }
    if (e.has('private_network_connection'))
      out.warnings.push(
        this.where(doc, e.get('private_network_connection'), 'private_network_connection', 'is deprecated; sent as egress_public_network_access'),
      );
    out.name = this.str(doc, e.get('name'), 'name');
    out.endpointName = this.str(doc, e.get('endpoint_name'), 'endpoint_name');
    if (e.get('instance_count') !== undefined) {
      const n = Number(this.str(doc, e.get('instance_count'), 'instance_count'));
      if (!Number.isInteger(n) || n < 1) this.fail(doc, e.get('instance_count'), 'instance_count', 'expected a whole number of at least 1');
      out.instanceCount = n;
    }
    out.tags = this.stringMap(doc, e.get('tags'), 'tags');
    if (e.get('model') !== undefined) out.model = this.model(doc, e.get('model') as Node);
    if (e.get('environment') !== undefined)
      // An unnamed inline environment gets its name when the task runs (after the model's).
      out.environment = this.environment(doc, e.get('environment'), 'environment', '');
    if (e.get('code_configuration') !== undefined) out.code = this.code(doc, e.get('code_configuration') as Node);
    return out;
  }

  protected isNull(node: Node): boolean {
    return yaml().isScalar(node) && node.value === null;
  }

  protected place(doc: Loaded, node: Node): string {
    return this.where(doc, node, '', '').replace(/: key '': $/, '');
  }

  private kind(doc: Loaded, node: Node): 'managed' | 'kubernetes' {
    const v = (this.str(doc, node, 'type') ?? '').toLowerCase();
    if (v !== 'managed' && v !== 'kubernetes') this.fail(doc, node, 'type', `'${v}' is not allowed; allowed values: managed, kubernetes`);
    return v;
  }

  protected model(doc: Loaded, node: Node): ModelSpec {
    if (!yaml().isMap(node)) {
      const ref = this.ref(doc, node, 'model', 'models');
      if (!ref)
        this.fail(doc, node, 'model', `'${this.str(doc, node, 'model')}' is neither a model reference (azureml:<name>:<version>) nor a mapping with path`);
      return { kind: 'ref', ref };
    }
    const m = this.entries(doc, node, 'model', MODEL_KEYS);
    const pathKey = m.has('path') ? 'path' : 'local_path';
    const text = this.str(doc, m.get(pathKey), `model.${pathKey}`);
    if (!text) this.fail(doc, node, 'model.path', 'is required: the model file or folder (a local path or an azureml:// URI)');
    const local = isLocalPath(text);
    const type = (this.str(doc, m.get('type'), 'model.type') ?? 'custom_model').toLowerCase();
    if (!MODEL_TYPES.includes(type)) this.fail(doc, m.get('type'), 'model.type', `'${type}' is not allowed; allowed values: ${MODEL_TYPES.join(', ')}`);
    const full = local ? this.localPath(doc, m.get(pathKey), `model.${pathKey}`, text) : text;
    if (local && fs.statSync(full).isDirectory() && !fs.readdirSync(full).length)
      this.fail(doc, m.get(pathKey), `model.${pathKey}`, `the folder '${text}' is empty: a model needs its files`);
    if (type === 'mlflow_model' && local && !fs.existsSync(path.join(full, 'MLmodel')))
      this.fail(doc, m.get(pathKey), `model.${pathKey}`, `an mlflow_model path must be a folder holding an MLmodel file; '${text}' has none`);
    return {
      kind: 'path',
      path: full,
      local,
      name: this.str(doc, m.get('name'), 'model.name'),
      version: this.str(doc, m.get('version'), 'model.version'),
      type: type as 'custom_model',
      description: this.str(doc, m.get('description'), 'model.description'),
      tags: this.stringMap(doc, m.get('tags'), 'model.tags'),
    };
  }

  protected code(doc: Loaded, node: Node): { dir: string; scoringScript: string } {
    if (!yaml().isMap(node)) this.fail(doc, node, 'code_configuration', 'expected a mapping with code and scoring_script');
    const c = this.entries(doc, node, 'code_configuration', ['code', 'scoring_script']);
    let codeNode = c.get('code');
    // Older files write code: {local_path: ...}.
    if (codeNode && yaml().isMap(codeNode)) codeNode = this.entries(doc, codeNode, 'code_configuration.code', ['local_path']).get('local_path');
    const text = this.str(doc, codeNode, 'code_configuration.code');
    if (!text) this.fail(doc, node, 'code_configuration.code', 'is required: the folder with the scoring script');
    if (!isLocalPath(text)) this.fail(doc, codeNode, 'code_configuration.code', 'only a local code folder is read here (it is uploaded as a code asset)');
    const dir = this.localPath(doc, codeNode, 'code_configuration.code', text);
    if (!fs.statSync(dir).isDirectory()) this.fail(doc, codeNode, 'code_configuration.code', `'${text}' is a file; code must be a folder`);
    const script = this.str(doc, c.get('scoring_script'), 'code_configuration.scoring_script');
    if (!script) this.fail(doc, node, 'code_configuration.scoring_script', 'is required: the script with init() and run()');
    if (!fs.existsSync(path.join(dir, script)))
      this.fail(doc, c.get('scoring_script'), 'code_configuration.scoring_script', `'${script}' is not in the code folder '${text}'`);
    return { dir, scoringScript: script };
  }
}

/** Reads an online deployment YAML; `computeType` (when the task knows it) decides which type's keys apply. */
export function readDeploymentFile(file: string, input: string, computeType?: 'managed' | 'kubernetes'): DeploymentFile {
  const full = path.resolve(file);
  return new DeploymentReader(path.dirname(full), input).read(full, computeType);
}
