import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, YAMLMap } from 'yaml';
import { yaml, YamlDocs, type Loaded } from './yaml-docs';
import { type CommandComponent, type ComponentRef, type EnvironmentRef, type PipelineDefinition, type PipelineNode } from './pipeline-model';

/** The keys every component and pipeline file may carry, whatever its type. */
const ASSET_KEYS = ['$schema', 'type', 'name', 'display_name', 'version', 'description', 'tags'];

/**
 * Reads an Azure ML CLI v2 pipeline YAML (what `az ml job create -f` / `az ml component create -f` take) and the
 * component files it references, into a model the publisher registers. Every key is checked: one this product
 * does not support is an error naming the key, the file and the line.
 */
class Reader extends YamlDocs {
  private readonly cache = new Map<string, PipelineDefinition | CommandComponent>();

  private ports(doc: Loaded, node: Node | undefined, key: string, allowed: string[]): Record<string, unknown> {
    if (node === undefined) return {};
    if (!yaml().isMap(node)) this.fail(doc, node, key, 'expected a mapping of input or output names');
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const name = String((pair.key as { value: unknown }).value);
      const value = pair.value as Node;
      if (yaml().isMap(value)) this.entries(doc, value, `${key}.${name}`, allowed);
      else if (yaml().isSeq(value)) this.fail(doc, value, `${key}.${name}`, 'expected a literal value or a mapping');
      out[name] = this.plain(value);
    }
    return out;
  }

  private environment(doc: Loaded, node: Node | undefined, key: string, fallbackName: string): EnvironmentRef {
    if (node === undefined) this.fail(doc, undefined, key, 'is required');
    if (yaml().isMap(node)) {
      const e = this.entries(doc, node, key, ['name', 'version', 'image', 'conda_file', 'description', '$schema']);
      const image = this.str(doc, e.get('image'), `${key}.image`);
      if (!image) this.fail(doc, node, `${key}.image`, 'an inline environment needs an image (docker build contexts are not supported)');
      const conda = this.str(doc, e.get('conda_file'), `${key}.conda_file`);
      let condaFile: string | undefined;
      if (conda) {
        const condaPath = path.resolve(path.dirname(doc.file), conda.replace(/^file:/, ''));
        if (!fs.existsSync(condaPath)) this.fail(doc, e.get('conda_file'), `${key}.conda_file`, `the file '${conda}' does not exist`);
        condaFile = fs.readFileSync(condaPath, 'utf8');
      }
      return {
        kind: 'inline',
        name: this.str(doc, e.get('name'), `${key}.name`) ?? fallbackName,
        image,
        condaFile,
        description: this.str(doc, e.get('description'), `${key}.description`),
      };
    }
    const text = this.str(doc, node, key) as string;
    const latest = /^azureml:([\w.-]+)@latest$/.exec(text);
    if (latest) return { kind: 'latest', name: latest[1] };
    const versioned = /^azureml:([\w.-]+):([\w.-]+)$/.exec(text);
    if (versioned) return { kind: 'registered', name: versioned[1], version: versioned[2] };
    this.fail(
      doc,
      node,
      key,
      `'${text}' is not supported; use azureml:<name>:<version>, azureml:<name>@latest, or an inline mapping with image (and conda_file)`,
    );
  }

  private command(doc: Loaded, map: YAMLMap, where: string, key: string, defaultName: string): CommandComponent {
    const allowed = [...ASSET_KEYS, 'code', 'environment', 'inputs', 'outputs', 'command', 'environment_variables', 'is_deterministic', 'compute', 'component'];
    const e = this.entries(doc, map, where, allowed);
    const command = this.str(doc, e.get('command'), `${where ? `${where}.` : ''}command`);
    if (!command) this.fail(doc, map, `${where ? `${where}.` : ''}command`, 'a command component needs a command');
    const code = this.str(doc, e.get('code'), `${where}.code`);
    let codeDir: string | undefined;
    if (code) {
      if (/^(azureml:|https?:)/.test(code)) this.fail(doc, e.get('code'), `${where ? `${where}.` : ''}code`, 'only local code folders are supported');
      codeDir = path.resolve(path.dirname(doc.file), code.replace(/^file:/, ''));
      if (!fs.existsSync(codeDir) || !fs.statSync(codeDir).isDirectory())
        this.fail(doc, e.get('code'), `${where ? `${where}.` : ''}code`, `the folder '${code}' does not exist`);
    }
    const name = this.str(doc, e.get('name'), `${where}.name`) ?? defaultName;
    const portKeys = ['type', 'default', 'optional', 'description', 'min', 'max', 'enum', 'mode', 'path'];
    return {
      type: 'command',
      inline: where !== '',
      key,
      file: doc.file,
      name,
      displayName: this.str(doc, e.get('display_name'), `${where}.display_name`),
      description: this.str(doc, e.get('description'), `${where}.description`),
      command,
      codeDir,
      environment: this.environment(doc, e.get('environment'), `${where ? `${where}.` : ''}environment`, `${name}-env`),
      inputs: this.ports(doc, e.get('inputs'), `${where ? `${where}.` : ''}inputs`, portKeys),
      outputs: this.ports(doc, e.get('outputs'), `${where ? `${where}.` : ''}outputs`, portKeys),
      environmentVariables: this.stringMap(doc, e.get('environment_variables'), `${where}.environment_variables`),
      isDeterministic: this.plain(e.get('is_deterministic')) as boolean | undefined,
      tags: this.stringMap(doc, e.get('tags'), `${where}.tags`),
    };
  }

  private componentRef(doc: Loaded, node: Node, key: string): ComponentRef {
    const text = this.str(doc, node, key) as string;
    const latest = /^azureml:([\w.-]+)@latest$/.exec(text);
    if (latest) return { kind: 'latest', name: latest[1] };
    const versioned = /^azureml:([\w.-]+):([\w.-]+)$/.exec(text);
    if (versioned) return { kind: 'registered', name: versioned[1], version: versioned[2] };
    if (text.startsWith('azureml:')) this.fail(doc, node, key, `'${text}' is not supported; use azureml:<name>:<version> or azureml:<name>@latest`);
    const file = path.resolve(path.dirname(doc.file), text.replace(/^file:/, ''));
    return { kind: 'local', component: this.componentFile(file, { doc, node, key }) };
  }

  /** A component file: a command component or a pipeline component. Loaded once however often it is used. */
  componentFile(file: string, from?: { doc: Loaded; node: Node; key: string }): CommandComponent | PipelineDefinition {
    const cached = this.cache.get(file);
    if (cached) return cached;
    const doc = this.load(file, from);
    const type = this.str(doc, doc.map.get('type', true) as Node | undefined, 'type') ?? 'command';
    let component: CommandComponent | PipelineDefinition;
    if (type === 'pipeline') component = this.pipeline(doc);
    else if (type === 'command') component = this.command(doc, doc.map, '', file, path.basename(file).replace(/\.ya?ml$/, ''));
    else this.fail(doc, doc.map.get('type', true) as Node, 'type', `'${type}' is not supported; supported types: command, pipeline`);
    this.cache.set(file, component);
    return component;
  }

  pipeline(doc: Loaded): PipelineDefinition {
    const allowed = [...ASSET_KEYS, 'experiment_name', 'settings', 'inputs', 'outputs', 'jobs', 'compute'];
    const e = this.entries(doc, doc.map, '', allowed);
    const settingsNode = e.get('settings');
    const settings: PipelineDefinition['settings'] = {};
    if (settingsNode !== undefined) {
      if (!yaml().isMap(settingsNode)) this.fail(doc, settingsNode, 'settings', 'expected a mapping');
      const s = this.entries(doc, settingsNode, 'settings', ['default_compute', 'continue_on_step_failure', 'default_datastore', 'force_rerun']);
      settings.defaultCompute = this.str(doc, s.get('default_compute'), 'settings.default_compute')?.replace(/^azureml:/, '');
      settings.continueOnStepFailure = this.plain(s.get('continue_on_step_failure')) as boolean | undefined;
    }
    const jobsNode = e.get('jobs');
    if (!jobsNode || !yaml().isMap(jobsNode) || jobsNode.items.length === 0) this.fail(doc, jobsNode ?? doc.map, 'jobs', 'a pipeline needs at least one job');
    const jobs: Record<string, PipelineNode> = {};
    for (const pair of jobsNode.items) {
      const nodeName = String((pair.key as { value: unknown }).value);
      const where = `jobs.${nodeName}`;
      const value = pair.value as Node;
      if (!yaml().isMap(value)) this.fail(doc, value, where, 'expected a mapping');
      const type = this.str(doc, value.get('type', true) as Node | undefined, `${where}.type`) ?? 'command';
      if (type !== 'command' && type !== 'pipeline')
        this.fail(doc, value.get('type', true) as Node, `${where}.type`, `'${type}' is not supported; supported job types: command, pipeline`);
      const componentNode = value.get('component', true) as Node | undefined;
      let component: ComponentRef;
      if (componentNode !== undefined) {
        const nodeKeys = ['type', 'component', 'inputs', 'outputs', 'compute', 'display_name', 'description'];
        this.entries(doc, value, where, nodeKeys);
        component = this.componentRef(doc, componentNode, `${where}.component`);
      } else if (type === 'command') {
        component = { kind: 'local', component: this.command(doc, value, where, `${doc.file}#${nodeName}`, nodeName) };
      } else {
        this.fail(doc, value, `${where}.component`, 'a pipeline job needs a component');
      }
      const bindingKeys = ['type', 'path', 'mode', 'value'];
      jobs[nodeName] = {
        type,
        component,
        inputs: this.ports(doc, value.get('inputs', true) as Node | undefined, `${where}.inputs`, bindingKeys),
        outputs: this.ports(doc, value.get('outputs', true) as Node | undefined, `${where}.outputs`, bindingKeys),
        compute: this.str(doc, value.get('compute', true) as Node | undefined, `${where}.compute`)?.replace(/^azureml:/, ''),
        displayName: this.str(doc, value.get('display_name', true) as Node | undefined, `${where}.display_name`),
      };
      this.checkBindings(doc, value, where, jobs[nodeName], e);
    }
    return {
      type: 'pipeline',
      key: doc.file,
      file: doc.file,
      name: this.str(doc, e.get('name'), 'name'),
      displayName: this.str(doc, e.get('display_name'), 'display_name'),
      description: this.str(doc, e.get('description'), 'description'),
      tags: this.stringMap(doc, e.get('tags'), 'tags'),
      inputs: this.ports(doc, e.get('inputs'), 'inputs', ['type', 'default', 'optional', 'description', 'min', 'max', 'enum', 'path', 'mode', 'value']),
      outputs: this.ports(doc, e.get('outputs'), 'outputs', ['type', 'mode', 'description', 'path']),
      settings,
      jobs,
    };
  }

  /** `${{parent.inputs.x}}` must name a pipeline input; `${{parent.jobs.a.outputs.y}}` an earlier-declared job. */
  private checkBindings(doc: Loaded, nodeMap: YAMLMap, where: string, node: PipelineNode, top: Map<string, Node>): void {
    const pipelineInputs = new Set(Object.keys((this.plain(top.get('inputs')) ?? {}) as object));
    const pipelineOutputs = new Set(Object.keys((this.plain(top.get('outputs')) ?? {}) as object));
    const allJobs = new Set(Object.keys((this.plain(top.get('jobs')) ?? {}) as object));
    for (const [section, values] of [
      ['inputs', node.inputs],
      ['outputs', node.outputs],
    ] as const) {
      for (const [name, value] of Object.entries(values)) {
        const text = typeof value === 'object' && value ? JSON.stringify(value) : String(value);
        for (const m of text.matchAll(/\$\{\{\s*parent\.(inputs|outputs|jobs)\.(\w+)(?:\.outputs\.(\w+))?\s*\}\}/g)) {
          const node2 = (nodeMap.get(section, true) as YAMLMap | undefined)?.get(name, true) as Node | undefined;
          const keyPath = `${where}.${section}.${name}`;
          if (m[1] === 'inputs' && !pipelineInputs.has(m[2]))
            this.fail(doc, node2, keyPath, `binds to pipeline input '${m[2]}', which is not declared under inputs`);
          if (m[1] === 'outputs' && !pipelineOutputs.has(m[2]))
            this.fail(doc, node2, keyPath, `binds to pipeline output '${m[2]}', which is not declared under outputs`);
          if (m[1] === 'jobs' && !allJobs.has(m[2])) this.fail(doc, node2, keyPath, `binds to job '${m[2]}', which is not in this pipeline`);
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
  return new Reader(path.dirname(path.resolve(file))).top(path.resolve(file));
}
