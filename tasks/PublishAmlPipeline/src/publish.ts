import * as path from 'node:path';
import type { ArmClients } from '../../../shared/azure/arm-client';
import { type WorkspaceRef } from '../../../shared/aml/workspace';
import type { DataPlaneClient } from '../../../shared/azure/data-plane';
import type { DatastoreBlobs } from '../../../shared/aml/datastore-blobs';
import { ensureAssetVersion, existingVersionId, latestVersionId, type EnsureOutcome } from '../../../shared/aml/assets';
import { ensureCodeAsset, snapshotFolder } from '../../../shared/aml/code-upload';
import { AzureError } from '../../../shared/errors';
import type { AssetRef } from '../../../shared/aml/asset-refs';
import { uploadLocal } from '../../../shared/aml/local-upload';
import { isLocalPath } from '../../../shared/yaml/aml-yaml';
import { componentInputs, nodeBody } from './node-rest';
import type { ComponentRef, EnvironmentSpec, PipelineDefinition, StepComponent } from './pipeline-model';

export interface PublishAction {
  kind: 'code' | 'environment' | 'component' | 'data';
  name: string;
  version: string;
  outcome: EnsureOutcome | 'uploaded' | 'reused' | 'wouldUpload' | 'referenced';
  detail?: string;
}

export interface Publisher {
  clients: ArmClients;
  ws: WorkspaceRef;
  storage: DataPlaneClient;
  /** The default datastore, opened on first use (only pipelines with local data or build contexts need it). */
  blobs: () => Promise<DatastoreBlobs>;
  version: string;
  tags: Record<string, string>;
  dryRun: boolean;
  log(message: string): void;
}

const SCHEMA = (type: string) => `https://azuremlschemas.azureedge.net/latest/${type}Component.schema.json`;
/** Keys of a component file that describe the asset, not the spec sent for this version. */
const ASSET_ONLY = ['version', 'tags', 'properties'];

export const VERB: Record<PublishAction['outcome'], string> = {
  created: 'registered',
  exists: 'unchanged',
  wouldCreate: 'would register',
  uploaded: 'uploaded',
  reused: 'unchanged (same content hash)',
  wouldUpload: 'would upload',
  referenced: 'referenced (resolved by the service)',
};

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
    this.p.log(`${action.kind} ${action.name}:${action.version} ${VERB[action.outcome]}${action.detail ? ` (${action.detail})` : ''}`);
  }

  private code(dir: string): Promise<string> {
    return this.once(`code:${dir}`, async () => {
      const snapshot = snapshotFolder(dir);
      const asset = await ensureCodeAsset(this.p.clients, this.p.ws, snapshot, this.p.storage, this.p.dryRun);
      const outcome = !asset.uploaded ? 'reused' : this.p.dryRun ? 'wouldUpload' : 'uploaded';
      const detail = `${snapshot.files.length} files, ${(snapshot.bytes / 1024).toFixed(1)} KB from ${dir}`;
      this.record({ kind: 'code', name: `code-${snapshot.hash.slice(0, 12)}`, version: '1', outcome, detail });
      return asset.id;
    });
  }

  /** A local file or folder bound as data, uploaded once (content-addressed); returns its datastore URI. */
  private data(full: string): Promise<string> {
    return this.once(`data:${full}`, async () => {
      const upload = await uploadLocal(await this.p.blobs(), full, this.p.dryRun);
      const detail = `${upload.files} file(s), ${(upload.bytes / 1024).toFixed(1)} KB from ${full}`;
      this.record({ kind: 'data', name: path.basename(full), version: 'local', outcome: upload.outcome, detail });
      return upload.uri;
    });
  }

  /** The id to write for a referenced asset: workspace ones checked here, registry ones resolved by the service. */
  private asset(ref: AssetRef): Promise<string> {
    const { clients, ws } = this.p;
    // The reader makes references to environments and components only; data references stay in input paths.
    const type = ref.type as 'environments' | 'components';
    switch (ref.kind) {
      case 'workspace':
        return this.once(`${type}:${ref.name}:${ref.version}`, () => existingVersionId(clients, ws, type, ref.name, ref.version));
      case 'workspaceLatest':
        return this.once(`${type}:${ref.name}@latest`, () => latestVersionId(clients, ws, type, ref.name));
      case 'armId':
        return this.once(ref.id, async () => {
          if (!(await clients.rest().tryGet(ref.id, `Get ${ref.id}`))) throw new AzureError(`'${ref.id}' was not found.`);
          return ref.id;
        });
      default:
        return this.once(ref.uri, async () => {
          this.record({
            kind: ref.type === 'components' ? 'component' : 'environment',
            name: ref.name,
            version: ref.version ?? ref.label ?? '',
            outcome: 'referenced',
            detail: ref.uri,
          });
          return ref.uri;
        });
    }
  }

  /** The environment as a componentSpec writes it: `azureml:<ARM id>` or the registry URI. */
  private async environment(env: EnvironmentSpec): Promise<string> {
    if (env.kind === 'ref') {
      const id = await this.asset(env.ref);
      return id.startsWith('azureml:') ? id : `azureml:${id}`;
    }
    const id = await this.once(`env:${env.name}`, async () => {
      const build = env.build
        ? { contextUri: (await uploadLocal(await this.p.blobs(), env.build.dir, this.p.dryRun)).url, dockerfilePath: env.build.dockerfilePath }
        : undefined;
      const properties = { image: env.image, build, condaFile: env.condaFile, osType: env.osType, description: env.description, tags: this.p.tags };
      const key = env.image ? 'image' : 'build';
      const r = await ensureAssetVersion(this.p.clients, this.p.ws, 'environments', env.name, this.p.version, properties, key, this.p.dryRun);
      this.record({ kind: 'environment', name: env.name, version: this.p.version, outcome: r.outcome, detail: env.image ?? `build context ${env.build?.dir}` });
      return r.id;
    });
    return `azureml:${id}`;
  }

  /** A command, parallel or spark component; inline jobs are named after their pipeline and job, so pipelines never collide. */
  private step(c: StepComponent, inlineName: string): Promise<string> {
    const name = c.inline ? inlineName : c.name;
    return this.once(`component:${c.key}`, async () => {
      const [codeId, env] = await Promise.all([
        c.codeDir ? this.code(c.codeDir) : Promise.resolve(undefined),
        c.environment ? this.environment(c.environment) : Promise.resolve(undefined),
      ]);
      const fields = Object.fromEntries(Object.entries(c.fields).filter(([k]) => !ASSET_ONLY.includes(k)));
      const code = codeId ? `azureml:${codeId}` : undefined;
      const placed =
        c.type === 'parallel'
          ? { task: { ...(fields.task as object), ...(code ? { code } : {}), ...(env ? { environment: env } : {}) } }
          : { ...(code ? { code } : {}), ...(env ? { environment: env } : {}) };
      const spec = {
        $schema: SCHEMA(c.type),
        name,
        version: this.p.version,
        ...fields,
        type: c.type,
        description: c.description,
        ...placed,
        inputs: c.inputs,
        outputs: c.outputs,
      };
      return this.register(name, spec, c.description);
    });
  }

  private component(ref: ComponentRef, inlineName: string): Promise<string> {
    if (ref.kind === 'ref') return this.asset(ref.ref);
    const c = ref.component;
    return c.type === 'pipeline'
      ? this.pipeline(c, c.name ?? `${c.displayName ?? 'pipeline'}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_'))
      : this.step(c, inlineName);
  }

  private async register(name: string, spec: Record<string, unknown>, description?: string): Promise<string> {
    const properties = { componentSpec: spec, description, tags: this.p.tags, isAnonymous: false };
    const r = await ensureAssetVersion(this.p.clients, this.p.ws, 'components', name, this.p.version, properties, 'componentSpec', this.p.dryRun);
    this.record({ kind: 'component', name, version: this.p.version, outcome: r.outcome, detail: String(spec.type) });
    return r.id;
  }

  /** Bindings with local `path`s replaced by the datastore URIs they were uploaded to. */
  private async localData(values: Record<string, unknown>, file: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(values)) {
      const p = v !== null && typeof v === 'object' ? (v as Record<string, unknown>).path : undefined;
      out[name] =
        typeof p === 'string' && isLocalPath(p) ? { ...(v as object), path: await this.data(path.resolve(path.dirname(file), p.replace(/^file:/, ''))) } : v;
    }
    return out;
  }

  /** Registers everything the pipeline needs, leaves first, and the pipeline component last; returns its id. */
  async pipeline(def: PipelineDefinition, name: string): Promise<string> {
    return this.once(`component:${def.key}`, async () => {
      const jobs: Record<string, unknown> = {};
      for (const [nodeName, node] of Object.entries(def.jobs)) {
        const inlineName = `${name}_${nodeName}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
        const componentId = node.component ? await this.component(node.component, inlineName) : undefined;
        jobs[nodeName] = nodeBody(node, componentId, await this.localData(node.inputs, def.file));
      }
      const { defaultCompute, continueOnStepFailure, other } = def.settings;
      const settings = {
        ...other,
        ...(continueOnStepFailure !== undefined ? { continue_on_step_failure: continueOnStepFailure } : {}),
        ...(defaultCompute ? { default_compute: defaultCompute } : {}),
      };
      const spec = {
        $schema: SCHEMA('pipeline'),
        name,
        version: this.p.version,
        display_name: def.displayName ?? name,
        description: def.description,
        type: 'pipeline',
        inputs: componentInputs(await this.localData(def.inputs, def.file)),
        outputs: def.outputs,
        jobs,
        ...(Object.keys(settings).length ? { settings } : {}),
      };
      return this.register(name, spec, def.description);
    });
  }
}
