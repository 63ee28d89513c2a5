import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, YAMLMap } from 'yaml';
import type { PipelineDefinition, StepComponent } from './pipeline-model';
import { BINDING_KEYS, COMPONENT_KEYS, COMPONENT_PORT_KEYS, PARALLEL_TASK_KEYS } from './vocabulary';
import { AmlYamlDocs, isLocalPath, type EnvironmentSpec } from '../../../shared/yaml/aml-yaml';
import { yaml, type Loaded } from '../../../shared/yaml/yaml-docs';

export const join = (where: string, key: string) => (where ? `${where}.${key}` : key);

/**
 * Reads component files and inline component definitions (command, parallel, spark), their environments and
 * asset references. Every key is checked against the component schema; errors name file:line:key.
 */
export abstract class ComponentReader extends AmlYamlDocs {
  private readonly cache = new Map<string, StepComponent | PipelineDefinition>();
  /** What `az ml` would only warn about (file:line: key: reason). */
  readonly warnings: string[] = [];

  abstract pipeline(doc: Loaded): PipelineDefinition;

  protected ports(doc: Loaded, node: Node | undefined, key: string, allowed: string[]): Record<string, unknown> {
    if (node === undefined || (yaml().isScalar(node) && node.value === null)) return {};
    if (!yaml().isMap(node)) this.fail(doc, node, key, 'expected a mapping of input or output names');
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const name = String((pair.key as { value: unknown }).value);
      const value = pair.value as Node | null;
      if (value && yaml().isMap(value)) {
        const e = this.entries(doc, value, `${key}.${name}`, allowed);
        const p = this.str(doc, e.get('path'), `${key}.${name}.path`);
        if (p && isLocalPath(p) && !key.endsWith('outputs')) this.localPath(doc, e.get('path') as Node, `${key}.${name}.path`, p);
      } else if (value && yaml().isSeq(value)) this.fail(doc, value, `${key}.${name}`, 'expected a literal value or a mapping');
      out[name] = value ? this.plain(value) : null;
    }
    return out;
  }

  private codeDir(doc: Loaded, node: Node | undefined, key: string): string | undefined {
    const code = this.str(doc, node, key);
    if (!code) return undefined;
    if (!isLocalPath(code)) this.fail(doc, node, key, 'only a local code folder is read here (the folder is uploaded as a code asset)');
    const dir = this.localPath(doc, node, key, code);
    if (!fs.statSync(dir).isDirectory()) this.fail(doc, node, key, `'${code}' is a file; code must be a folder`);
    return dir;
  }

  /**
   * A command, parallel or spark component (a file's top level or a job written inline); `extra` are node keys
   * accepted beside the component's own, which the caller reads.
   */
  step(doc: Loaded, map: YAMLMap, where: string, type: StepComponent['type'], key: string, defaultName: string, extra: string[] = []): StepComponent {
    // Microsoft's examples put a compute in component files; it does not belong to the component, so it is not sent.
    const e = this.entries(doc, map, where, [...new Set([...COMPONENT_KEYS[type], ...extra, ...(where ? [] : ['compute'])])]);
    if (!where && e.has('compute'))
      this.warnings.push(
        this.where(doc, e.get('compute'), 'compute', "is not part of a component and is not sent: the job's compute or the pipeline's default_compute applies"),
      );
    const k = (name: string) => join(where, name);
    let codeDir: string | undefined;
    let environment: EnvironmentSpec | undefined;
    const fields: Record<string, unknown> = {};
    const name = this.str(doc, e.get('name'), k('name')) ?? defaultName;
    if (type === 'parallel') {
      const taskNode = e.get('task');
      if (!taskNode || !yaml().isMap(taskNode))
        this.fail(doc, taskNode ?? map, k('task'), 'a parallel job needs a task (type run_function, code, entry_script, environment)');
      const t = this.entries(doc, taskNode, k('task'), PARALLEL_TASK_KEYS);
      const taskType = this.str(doc, t.get('type'), k('task.type')) ?? 'run_function';
      if (taskType !== 'run_function') this.fail(doc, t.get('type'), k('task.type'), `'${taskType}' is not a parallel task type; allowed: run_function`);
      if (!this.str(doc, t.get('entry_script'), k('task.entry_script'))) this.fail(doc, taskNode, k('task.entry_script'), 'is required');
      codeDir = this.codeDir(doc, t.get('code'), k('task.code'));
      environment = this.environment(doc, t.get('environment'), k('task.environment'), `${name}-env`);
      fields.task = Object.fromEntries(Object.entries(this.plain(taskNode) as object).filter(([x]) => x !== 'code' && x !== 'environment'));
    } else {
      codeDir = this.codeDir(doc, e.get('code'), k('code'));
      if (type === 'command') {
        if (!this.str(doc, e.get('command'), k('command'))) this.fail(doc, map, k('command'), 'a command job needs a command');
        environment = this.environment(doc, e.get('environment'), k('environment'), `${name}-env`);
      } else {
        const entry = e.get('entry');
        if (!entry || !yaml().isMap(entry)) this.fail(doc, entry ?? map, k('entry'), 'a spark job needs an entry (file or class_name)');
        if (e.get('environment') !== undefined) environment = this.environment(doc, e.get('environment'), k('environment'), `${name}-env`);
      }
    }
    // A job written inline binds its inputs where a component file declares them.
    const portKeys = where ? [...new Set([...COMPONENT_PORT_KEYS, ...BINDING_KEYS])] : COMPONENT_PORT_KEYS;
    const skip = new Set(['code', 'environment', 'inputs', 'outputs', 'name', 'description', 'type', 'task', '$schema', 'compute', ...extra]);
    for (const [x, node] of e) if (!skip.has(x)) fields[x] = this.plain(node);
    return {
      type,
      inline: where !== '',
      key,
      file: doc.file,
      name,
      description: this.str(doc, e.get('description'), k('description')),
      codeDir,
      environment,
      inputs: this.ports(doc, e.get('inputs'), k('inputs'), portKeys),
      outputs: this.ports(doc, e.get('outputs'), k('outputs'), portKeys),
      fields,
    };
  }

  /** A component file: command, parallel, spark or pipeline. Loaded once however often it is used. */
  componentFile(file: string, from?: { doc: Loaded; node: Node; key: string }): StepComponent | PipelineDefinition {
    const cached = this.cache.get(file);
    if (cached) return cached;
    const doc = this.load(file, from);
    const typeNode = doc.map.get('type', true) as Node | undefined;
    const type = this.str(doc, typeNode, 'type') ?? 'command';
    let component: StepComponent | PipelineDefinition;
    if (type === 'pipeline') component = this.pipeline(doc);
    else if (type === 'command' || type === 'parallel' || type === 'spark')
      component = this.step(doc, doc.map, '', type, file, path.basename(file).replace(/\.ya?ml$/, ''));
    else this.fail(doc, typeNode, 'type', `'${type}' is not a component type; allowed: command, parallel, spark, pipeline`);
    this.cache.set(file, component);
    return component;
  }
}
