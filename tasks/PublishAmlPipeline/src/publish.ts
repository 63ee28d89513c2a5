import type { ArmClients } from '../../../shared/azure/arm-client';
import { type WorkspaceRef } from '../../../shared/aml/workspace';
import type { DataPlaneClient } from '../../../shared/azure/data-plane';
import { ensureAssetVersion, existingVersionId, latestVersionId, type EnsureOutcome } from '../../../shared/aml/assets';
import { ensureCodeAsset, snapshotFolder } from '../../../shared/aml/code-upload';
import type { CommandComponent, ComponentRef, EnvironmentRef, PipelineDefinition } from './pipeline-model';

export interface PublishAction {
  kind: 'code' | 'environment' | 'component';
  name: string;
  version: string;
  outcome: EnsureOutcome | 'uploaded' | 'reused' | 'wouldUpload';
  detail?: string;
}

export interface Publisher {
  clients: ArmClients;
  ws: WorkspaceRef;
  storage: DataPlaneClient;
  version: string;
  tags: Record<string, string>;
  dryRun: boolean;
  log(message: string): void;
}

const COMMAND_SCHEMA = 'https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json';
const PIPELINE_SCHEMA = 'https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json';

function typeOfLiteral(value: unknown): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'string';
}

/** Pipeline inputs as component inputs: a bare literal becomes a typed input with that default. */
function componentInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, v]) => [name, v !== null && typeof v === 'object' ? v : { type: typeOfLiteral(v), default: v }]),
  );
}

function nodeInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, v]) => {
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        return [
          name,
          o.path !== undefined
            ? { job_input_type: String(o.type ?? 'uri_folder'), uri: o.path, ...(o.mode ? { mode: o.mode } : {}) }
            : { job_input_type: 'literal', value: String(o.value ?? '') },
        ];
      }
      return [name, { job_input_type: 'literal', value: String(v) }];
    }),
  );
}

function nodeOutputs(outputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, v]) =>
      v !== null && typeof v === 'object'
        ? [name, { job_output_type: String((v as Record<string, unknown>).type ?? 'uri_folder'), ...v }]
        : [name, { job_output_type: 'literal', value: String(v) }],
    ),
  );
}

export class PipelinePublisher {
  readonly actions: PublishAction[] = [];
  private readonly done = new Map<string, Promise<string>>();

  constructor(private readonly p: Publisher) {}

  private once(key: string, make: () => Promise<string>): Promise<string> {
    let id = this.done.get(key);
    if (!id) {
      id = make();
      this.done.set(key, id);
    }
    return id;
  }

  private record(action: PublishAction): void {
    this.actions.push(action);
    const verb = {
      created: 'registered',
      exists: 'unchanged',
      wouldCreate: 'would register',
      uploaded: 'uploaded',
      reused: 'unchanged',
      wouldUpload: 'would upload',
    }[action.outcome];
    this.p.log(`${action.kind} ${action.name}:${action.version} ${verb}${action.detail ? ` (${action.detail})` : ''}`);
  }

  private code(dir: string): Promise<string> {
    return this.once(`code:${dir}`, async () => {
      const snapshot = snapshotFolder(dir);
      const asset = await ensureCodeAsset(this.p.clients, this.p.ws, snapshot, this.p.storage, this.p.dryRun);
      const outcome = !asset.uploaded ? 'reused' : this.p.dryRun ? 'wouldUpload' : 'uploaded';
      this.record({
        kind: 'code',
        name: `code-${snapshot.hash.slice(0, 12)}`,
        version: '1',
        outcome,
        detail: `${snapshot.files.length} files, ${(snapshot.bytes / 1024).toFixed(1)} KB from ${dir}`,
      });
      return asset.id;
    });
  }

  private environment(env: EnvironmentRef): Promise<string> {
    const { clients, ws } = this.p;
    if (env.kind === 'registered')
      return this.once(`env:${env.name}:${env.version}`, () => existingVersionId(clients, ws, 'environments', env.name, env.version));
    if (env.kind === 'latest') return this.once(`env:${env.name}@latest`, () => latestVersionId(clients, ws, 'environments', env.name));
    return this.once(`env:${env.name}`, async () => {
      const properties = { image: env.image, condaFile: env.condaFile, description: env.description, tags: this.p.tags };
      const r = await ensureAssetVersion(clients, ws, 'environments', env.name, this.p.version, properties, 'image', this.p.dryRun);
      this.record({ kind: 'environment', name: env.name, version: this.p.version, outcome: r.outcome, detail: env.image });
      return r.id;
    });
  }

  /** Inline command jobs become components named after their pipeline and job, so pipelines never collide. */
  private async command(c: CommandComponent, inlineName: string): Promise<string> {
    const name = c.inline ? inlineName : c.name;
    return this.once(`component:${c.key}`, async () => {
      const [codeId, envId] = await Promise.all([c.codeDir ? this.code(c.codeDir) : Promise.resolve(undefined), this.environment(c.environment)]);
      const spec = {
        $schema: COMMAND_SCHEMA,
        name,
        version: this.p.version,
        display_name: c.displayName,
        description: c.description,
        type: 'command',
        command: c.command,
        ...(codeId ? { code: `azureml:${codeId}` } : {}),
        environment: `azureml:${envId}`,
        inputs: c.inputs,
        outputs: c.outputs,
        ...(c.environmentVariables ? { environment_variables: c.environmentVariables } : {}),
        ...(c.isDeterministic !== undefined ? { is_deterministic: c.isDeterministic } : {}),
      };
      return this.register(name, spec, c.description);
    });
  }

  private ref(ref: ComponentRef, inlineName: string): Promise<string> {
    const { clients, ws } = this.p;
    if (ref.kind === 'registered')
      return this.once(`component:${ref.name}:${ref.version}`, () => existingVersionId(clients, ws, 'components', ref.name, ref.version));
    if (ref.kind === 'latest') return this.once(`component:${ref.name}@latest`, () => latestVersionId(clients, ws, 'components', ref.name));
    return ref.component.type === 'command'
      ? this.command(ref.component, inlineName)
      : this.pipeline(ref.component, ref.component.name ?? `${ref.component.displayName ?? 'pipeline'}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_'));
  }

  private async register(name: string, spec: Record<string, unknown>, description?: string): Promise<string> {
    const properties = { componentSpec: spec, description, tags: this.p.tags, isAnonymous: false };
    const r = await ensureAssetVersion(this.p.clients, this.p.ws, 'components', name, this.p.version, properties, 'componentSpec', this.p.dryRun);
    this.record({ kind: 'component', name, version: this.p.version, outcome: r.outcome, detail: String(spec.type) });
    return r.id;
  }

  /** Registers everything the pipeline needs, leaves first, and the pipeline component last; returns its id. */
  async pipeline(def: PipelineDefinition, name: string): Promise<string> {
    return this.once(`component:${def.key}`, async () => {
      const jobs: Record<string, unknown> = {};
      for (const [nodeName, node] of Object.entries(def.jobs)) {
        jobs[nodeName] = {
          componentId: await this.ref(node.component, `${name}_${nodeName}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')),
          type: node.type,
          ...(node.compute ? { computeId: node.compute } : {}),
          ...(node.displayName ? { display_name: node.displayName } : {}),
          inputs: nodeInputs(node.inputs),
          outputs: nodeOutputs(node.outputs),
        };
      }
      const spec = {
        $schema: PIPELINE_SCHEMA,
        name,
        version: this.p.version,
        display_name: def.displayName ?? name,
        description: def.description,
        type: 'pipeline',
        inputs: componentInputs(def.inputs),
        outputs: def.outputs,
        jobs,
        ...(def.settings.continueOnStepFailure !== undefined || def.settings.defaultCompute
          ? { settings: { continue_on_step_failure: def.settings.continueOnStepFailure, default_compute: def.settings.defaultCompute } }
          : {}),
      };
      return this.register(name, spec, def.description);
    });
  }
}
