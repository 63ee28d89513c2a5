import * as path from 'node:path';
import type { Node, YAMLMap } from 'yaml';
import { ComponentReader, join } from './component-yaml';
import type { ComponentRef, NodeType, PipelineDefinition, PipelineNode } from './pipeline-model';
import { checkSweep } from './sweep-yaml';
import { BINDING_KEYS, COMPONENT_PORT_KEYS, NODE_KEYS, PIPELINE_KEYS, SETTINGS_KEYS } from './vocabulary';
import { yaml, type Loaded } from '../../../shared/yaml/yaml-docs';

const NODE_TYPES: NodeType[] = ['command', 'pipeline', 'parallel', 'sweep', 'spark', 'automl'];
/** Node keys that stay on the node when a job is written inline (the rest define its anonymous component). */
const INLINE_NODE_KEYS = [
  'compute',
  'experiment_name',
  'identity',
  'services',
  'queue_settings',
  'limits',
  'resources',
  'distribution',
  'display_name',
  'tags',
  'properties',
];

/** An inline job's bound inputs or outputs declared as a component's: literals typed by value, data by its type. */
function declaredPorts(bound: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(bound).map(([name, v]) => {
      if (v !== null && typeof v === 'object') return [name, { type: (v as Record<string, unknown>).type ?? 'uri_folder' }];
      if (v === null || /^\$\{\{\s*parent\.(outputs|jobs)\./.test(String(v))) return [name, { type: 'uri_folder' }];
      return [name, { type: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string' }];
    }),
  );
}

/**
 * Reads an Azure ML CLI v2 pipeline YAML (what `az ml job create -f` / `az ml component create -f` take) and the
 * component files it references, into a model the publisher registers. Every key is checked: one outside the
 * schema is an error naming the key, the file and the line; an unknown setting is a warning, as `az ml` does.
 */
class Reader extends ComponentReader {
  private componentRef(doc: Loaded, node: Node, key: string, type: NodeType): ComponentRef {
    if (yaml().isMap(node)) {
      const nested = (node.get('type', true) as Node | undefined) ? this.str(doc, node.get('type', true) as Node, `${key}.type`) : 'command';
      if (nested !== 'command' && nested !== 'parallel' && nested !== 'spark')
        this.fail(doc, node, key, `an inline component must be command, parallel or spark; found '${nested}'`);
      return { kind: 'local', component: this.step(doc, node, key, nested, `${doc.file}#${key}`, key.split('.').slice(-2, -1)[0] ?? 'component') };
    }
    const ref = this.ref(doc, node, key, 'components');
    if (ref) return { kind: 'ref', ref };
    const file = this.localPath(doc, node, key, this.str(doc, node, key) as string);
    const component = this.componentFile(file, { doc, node, key });
    const expected = type === 'sweep' ? 'command' : type;
    if (component.type !== expected)
      this.fail(doc, node, key, `'${this.rel(file)}' is a ${component.type} component; a ${type} job needs a ${expected} component`);
    return { kind: 'local', component };
  }

  private node(doc: Loaded, value: YAMLMap, nodeName: string): PipelineNode {
    const where = `jobs.${nodeName}`;
    const typeNode = value.get('type', true) as Node | undefined;
    const type = (this.str(doc, typeNode, `${where}.type`) ?? 'command') as NodeType;
    if (!NODE_TYPES.includes(type)) this.fail(doc, typeNode, `${where}.type`, `'${type}' is not a job type; allowed: ${NODE_TYPES.join(', ')}`);
    const componentNode = (type === 'sweep' ? value.get('trial', true) : value.get('component', true)) as Node | undefined;
    let component: ComponentRef | undefined;
    let consumed: string[];
    if (type === 'automl') {
      this.entries(doc, value, where, NODE_KEYS.automl);
      consumed = ['type', 'inputs', 'outputs', 'compute', 'display_name'];
    } else if (componentNode !== undefined) {
      this.entries(doc, value, where, NODE_KEYS[type]);
      component = this.componentRef(doc, componentNode, `${where}.${type === 'sweep' ? 'trial' : 'component'}`, type);
      consumed = ['type', 'component', 'trial', 'inputs', 'outputs', 'compute', 'display_name'];
    } else if (type === 'command' || type === 'parallel' || type === 'spark') {
      // A parallel job's environment_variables are a node key (the parallel component schema has none).
      const nodeKeys = type === 'parallel' ? [...INLINE_NODE_KEYS, 'environment_variables'] : INLINE_NODE_KEYS;
      const step = this.step(doc, value, where, type, `${doc.file}#${nodeName}`, nodeName, nodeKeys);
      component = { kind: 'local', component: { ...step, inputs: declaredPorts(step.inputs), outputs: declaredPorts(step.outputs) } };
      consumed = [...Object.keys(this.plain(value) as object).filter((k) => !nodeKeys.includes(k)), 'compute', 'display_name'];
    } else {
      this.fail(doc, value, `${where}.${type === 'sweep' ? 'trial' : 'component'}`, `a ${type} job needs a ${type === 'sweep' ? 'trial' : 'component'}`);
    }
    if (type === 'sweep') checkSweep(this, doc, value, where);
    const fields: Record<string, unknown> = {};
    for (const pair of value.items) {
      const k = String((pair.key as { value: unknown }).value);
      if (!consumed.includes(k)) fields[k] = this.plain(pair.value as Node);
    }
    return {
      type,
      component,
      inputs: this.ports(doc, value.get('inputs', true) as Node | undefined, `${where}.inputs`, BINDING_KEYS),
      outputs: this.ports(doc, value.get('outputs', true) as Node | undefined, `${where}.outputs`, BINDING_KEYS),
      compute: this.str(doc, value.get('compute', true) as Node | undefined, `${where}.compute`)?.replace(/^azureml:/, ''),
      displayName: this.str(doc, value.get('display_name', true) as Node | undefined, `${where}.display_name`),
      fields,
    };
  }

  private settings(doc: Loaded, node: Node | undefined): PipelineDefinition['settings'] {
    const settings: PipelineDefinition['settings'] = { other: {} };
    if (node === undefined || (yaml().isScalar(node) && node.value === null)) return settings;
    if (!yaml().isMap(node)) this.fail(doc, node, 'settings', 'expected a mapping');
    for (const pair of node.items) {
      const key = String((pair.key as { value: unknown }).value);
      const value = pair.value as Node;
      if (key === 'default_compute') settings.defaultCompute = this.str(doc, value, 'settings.default_compute')?.replace(/^azureml:/, '');
      else if (key === 'continue_on_step_failure') settings.continueOnStepFailure = this.plain(value) as boolean;
      else {
        if (!SETTINGS_KEYS.includes(key))
          this.warnings.push(
            this.where(
              doc,
              pair.key as Node,
              `settings.${key}`,
              `is not a pipeline setting; az ml warns and sends it as written (known: ${SETTINGS_KEYS.join(', ')})`,
            ),
          );
        settings.other[key] = this.plain(value);
      }
    }
    return settings;
  }

  pipeline(doc: Loaded): PipelineDefinition {
    const e = this.entries(doc, doc.map, '', PIPELINE_KEYS);
    const settings = this.settings(doc, e.get('settings'));
    const compute = this.str(doc, e.get('compute'), 'compute')?.replace(/^azureml:/, '');
    if (compute && !settings.defaultCompute) settings.defaultCompute = compute;
    const jobsNode = e.get('jobs');
    if (!jobsNode || !yaml().isMap(jobsNode) || jobsNode.items.length === 0) this.fail(doc, jobsNode ?? doc.map, 'jobs', 'a pipeline needs at least one job');
    const jobs: Record<string, PipelineNode> = {};
    for (const pair of jobsNode.items) {
      const nodeName = String((pair.key as { value: unknown }).value);
      const value = pair.value as Node;
      if (!yaml().isMap(value)) this.fail(doc, value, `jobs.${nodeName}`, 'expected a mapping');
      jobs[nodeName] = this.node(doc, value, nodeName);
      this.checkBindings(doc, value, `jobs.${nodeName}`, jobs[nodeName], e);
    }
    return {
      type: 'pipeline',
      key: doc.file,
      file: doc.file,
      name: this.str(doc, e.get('name'), 'name'),
      displayName: this.str(doc, e.get('display_name'), 'display_name'),
      description: this.str(doc, e.get('description'), 'description'),
      tags: this.stringMap(doc, e.get('tags'), 'tags'),
      inputs: this.ports(doc, e.get('inputs'), 'inputs', [...new Set([...COMPONENT_PORT_KEYS, ...BINDING_KEYS])]),
      outputs: this.ports(doc, e.get('outputs'), 'outputs', BINDING_KEYS),
      settings,
      jobs,
      warnings: this.warnings,
    };
  }

  /** `${{parent.inputs.x}}` must name a pipeline input; `${{parent.jobs.a.outputs.y}}` a job of this pipeline. */
  private checkBindings(doc: Loaded, nodeMap: YAMLMap, where: string, node: PipelineNode, top: Map<string, Node>): void {
    const names = (key: string) => new Set(Object.keys((this.plain(top.get(key)) ?? {}) as object));
    const [pipelineInputs, pipelineOutputs, allJobs] = [names('inputs'), names('outputs'), names('jobs')];
    for (const [section, values] of [
      ['inputs', node.inputs],
      ['outputs', node.outputs],
    ] as const) {
      for (const [name, value] of Object.entries(values)) {
        const text = typeof value === 'object' && value ? JSON.stringify(value) : String(value);
        for (const m of text.matchAll(/\$\{\{\s*parent\.(inputs|outputs|jobs)\.(\w+)(?:\.outputs\.(\w+))?\s*\}\}/g)) {
          const at = (nodeMap.get(section, true) as YAMLMap | undefined)?.get(name, true) as Node | undefined;
          const keyPath = join(where, `${section}.${name}`);
          if (m[1] === 'inputs' && !pipelineInputs.has(m[2]))
            this.fail(doc, at, keyPath, `binds to pipeline input '${m[2]}', which is not declared under inputs`);
          if (m[1] === 'outputs' && !pipelineOutputs.has(m[2]))
            this.fail(doc, at, keyPath, `binds to pipeline output '${m[2]}', which is not declared under outputs`);
          if (m[1] === 'jobs' && !allJobs.has(m[2])) this.fail(doc, at, keyPath, `binds to job '${m[2]}', which is not in this pipeline`);
        }
      }
    }
  }

  top(file: string): PipelineDefinition {
    const doc = this.load(file);
    const type = this.str(doc, doc.map.get('type', true) as Node | undefined, 'type');
    if (type !== 'pipeline')
      this.fail(doc, (doc.map.get('type', true) as Node | undefined) ?? doc.map, 'type', `expected 'pipeline', found '${type ?? '(none)'}'`);
    return this.pipeline(doc);
  }
}

export function loadPipeline(file: string): PipelineDefinition {
  return new Reader(path.dirname(path.resolve(file)), 'pipelineFile').top(path.resolve(file));
}
