import * as path from 'node:path';
import type { Node } from 'yaml';
import type { AssetRef } from '../../../shared/aml/asset-refs';
import { choice, mapping, number } from '../../../shared/deploy/deployment-settings';
import { DeploymentReader, type ModelSpec } from '../../../shared/deploy/deployment-yaml';
import type { EnvironmentSpec } from '../../../shared/yaml/aml-yaml';
import { yaml, type Loaded } from '../../../shared/yaml/yaml-docs';

/** A batch deployment YAML (`az ml batch-deployment create -f`), model or pipeline-component, read key by key. */
export interface BatchDeploymentFile {
  file: string;
  type?: 'model' | 'pipeline';
  name?: string;
  endpointName?: string;
  description?: string;
  tags?: Record<string, string>;
  model?: ModelSpec;
  environment?: EnvironmentSpec;
  code?: { dir: string; scoringScript: string };
  component?: AssetRef;
  /** `azureml:<name>` or a name: the compute cluster. */
  compute?: string;
  /** Model-deployment properties in ARM's names (miniBatchSize, outputAction, retrySettings, resources, ...). */
  settings: Record<string, unknown>;
  /** A pipeline-component deployment's job settings (default_compute, continue_on_step_failure, ...). */
  jobSettings?: Record<string, string>;
  where: Record<string, string>;
}

const RUN_KEYS = [
  'mini_batch_size',
  'max_concurrency_per_instance',
  'output_action',
  'output_file_name',
  'retry_settings',
  'error_threshold',
  'logging_level',
  'environment_variables',
];
const TOP_KEYS = [
  '$schema',
  'name',
  'endpoint_name',
  'type',
  'description',
  'tags',
  'properties',
  'model',
  'code_configuration',
  'environment',
  'compute',
  'resources',
  'settings',
  'component',
  ...RUN_KEYS,
];
const PIPELINE_SETTINGS = ['default_compute', 'default_datastore', 'continue_on_step_failure', 'force_rerun'];

class BatchDeploymentReader extends DeploymentReader {
  readBatch(file: string): BatchDeploymentFile {
    const doc = this.load(file);
    const e = this.entries(doc, doc.map, '', TOP_KEYS);
    const out: BatchDeploymentFile = { file, settings: {}, where: {} };
    for (const pair of doc.map.items) out.where[String((pair.key as { value: unknown }).value)] = this.place(doc, pair.key as Node);
    const typeNode = e.get('type');
    if (typeNode) out.type = choice(this, doc, typeNode, 'type', ['model', 'pipeline']) as 'model' | 'pipeline';
    const pipeline = out.type === 'pipeline' || (e.has('component') && !e.has('model'));
    out.name = this.str(doc, e.get('name'), 'name');
    out.endpointName = this.str(doc, e.get('endpoint_name'), 'endpoint_name');
    out.description = this.str(doc, e.get('description'), 'description');
    out.tags = this.stringMap(doc, e.get('tags'), 'tags');
    const compute = this.str(doc, e.get('compute'), 'compute');
    out.compute = compute?.replace(/^azureml:/, '');
    const properties = this.stringMap(doc, e.get('properties'), 'properties');
    if (properties) out.settings.properties = properties;
    if (pipeline) {
      for (const key of ['model', 'code_configuration', 'environment', ...RUN_KEYS])
        if (e.has(key)) this.fail(doc, e.get(key), key, 'is a model-deployment key; this is a pipeline-component deployment');
      out.type = 'pipeline';
      out.component = this.component(doc, e.get('component'));
      const settings = e.get('settings');
      if (settings)
        out.jobSettings = Object.fromEntries(
          [...mapping(this, doc, settings, 'settings', PIPELINE_SETTINGS)].map(([k, v]) => [k, String(this.plain(v)).replace(/^azureml:/, '')]),
        );
      return out;
    }
    if (e.has('component')) this.fail(doc, e.get('component'), 'component', 'is a pipeline-deployment key; this deployment has a model');
    out.type = 'model';
    if (e.get('model') !== undefined) out.model = this.model(doc, e.get('model') as Node);
    if (e.get('environment') !== undefined) out.environment = this.environment(doc, e.get('environment'), 'environment', '');
    if (e.get('code_configuration') !== undefined) out.code = this.code(doc, e.get('code_configuration') as Node);
    // Newer files put the run settings under `settings:`; older ones at the top level. Both are read.
    const nested = e.get('settings') ? mapping(this, doc, e.get('settings') as Node, 'settings', RUN_KEYS) : new Map<string, Node>();
    for (const key of RUN_KEYS) {
      const node = nested.get(key) ?? e.get(key);
      if (node !== undefined && !this.isNull(node)) this.runSetting(doc, node, nested.has(key) ? `settings.${key}` : key, out.settings);
    }
    const resources = e.get('resources');
    if (resources) {
      const r = mapping(this, doc, resources, 'resources', ['instance_count', 'instance_type', 'properties']);
      out.settings.resources = {
        ...(r.get('instance_count')
          ? { instanceCount: number(this, doc, r.get('instance_count') as Node, 'resources.instance_count', { min: 1, integer: true }) }
          : {}),
        ...(r.get('instance_type') ? { instanceType: this.str(doc, r.get('instance_type'), 'resources.instance_type') } : {}),
        ...(r.get('properties') ? { properties: this.plain(r.get('properties')) as Record<string, unknown> } : {}),
      };
    }
    return out;
  }

  private component(doc: Loaded, node: Node | undefined): AssetRef {
    if (node === undefined) this.fail(doc, undefined, 'component', 'is required for a pipeline-component deployment');
    if (yaml().isMap(node))
      this.fail(
        doc,
        node,
        'component',
        'an inline component is not read here; register it (PublishAmlPipeline) and name it as azureml:<name>:<version>, or give componentId',
      );
    const text = this.str(doc, node, 'component') ?? '';
    if (!text.startsWith('azureml:'))
      this.fail(
        doc,
        node,
        'component',
        `'${text}' is a local file; register it with PublishAmlPipeline and pass its componentId, or write azureml:<name>:<version>`,
      );
    return this.ref(doc, node, 'component', 'components') as AssetRef;
  }

  private runSetting(doc: Loaded, node: Node, key: string, out: Record<string, unknown>): void {
    const name = key.replace(/^settings\./, '');
    const int = (min: number) => number(this, doc, node, key, { min, integer: true });
    switch (name) {
      case 'mini_batch_size':
        out.miniBatchSize = int(1);
        break;
      case 'max_concurrency_per_instance':
        out.maxConcurrencyPerInstance = int(1);
        break;
      case 'error_threshold':
        out.errorThreshold = int(-1);
        break;
      case 'output_action':
        out.outputAction = choice(this, doc, node, key, ['append_row', 'summary_only']) === 'append_row' ? 'AppendRow' : 'SummaryOnly';
        break;
      case 'output_file_name':
        out.outputFileName = this.str(doc, node, key);
        break;
      case 'logging_level': {
        const level = choice(this, doc, node, key, ['info', 'warning', 'debug']);
        out.loggingLevel = level[0].toUpperCase() + level.slice(1);
        break;
      }
      case 'environment_variables':
        out.environmentVariables = this.stringMap(doc, node, key);
        break;
      default: {
        const r = mapping(this, doc, node, key, ['max_retries', 'timeout']);
        out.retrySettings = {
          ...(r.get('max_retries') ? { maxRetries: number(this, doc, r.get('max_retries') as Node, `${key}.max_retries`, { min: 0, integer: true }) } : {}),
          ...(r.get('timeout') ? { timeout: `PT${number(this, doc, r.get('timeout') as Node, `${key}.timeout`, { min: 1, integer: true })}S` } : {}),
        };
      }
    }
  }
}

/** Reads a batch deployment YAML as `az ml batch-deployment create` reads it. */
export function readBatchDeploymentFile(file: string, input: string): BatchDeploymentFile {
  const full = path.resolve(file);
  return new BatchDeploymentReader(path.dirname(full), input).readBatch(full);
}
