import type { ChildProcess } from 'node:child_process';

/** Every record the emulator keeps, in one place: resource families and the runtime share these shapes. */

export interface IssuedToken {
  clientId: string;
  scope: string;
  expiresAt: number;
  /** The tenant whose token endpoint issued it (its `tid`). */
  tenantId: string;
}

export interface EmulatorClient {
  clientId: string;
  clientSecret?: string;
  /** PEM of the certificate whose key signs client assertions. */
  certificatePem?: string;
  /** Service connection ids whose Azure Pipelines OIDC tokens this app trusts (federated credentials). */
  federatedConnections?: string[];
}

export interface Workspace {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
}

export interface Deployment {
  name: string;
  /** Scoring answers of an unhealthy deployment are 502, as from a crashed container. */
  healthy: boolean;
  resource?: Record<string, any>;
  /** Port of the deployment's inference server; without one the echo model answers. */
  port?: number;
  logs?: () => string;
  stop?: () => Promise<void>;
}

export interface Compute {
  name: string;
  resource: Record<string, unknown>;
}

export interface OnlineEndpoint {
  workspace: Workspace;
  name: string;
  resource: Record<string, unknown>;
  keys: { primaryKey: string; secondaryKey: string };
  deployments: Map<string, Deployment>;
}

/** A batch endpoint: its resource and its deployments' resources by name. */
export interface BatchEndpoint {
  workspace: Workspace;
  name: string;
  resource: Record<string, any>;
  deployments: Map<string, Record<string, any>>;
}

/** An Azure ML registry (assets shared across workspaces), with the regions it replicates to. */
export interface AmlRegistry {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  regions: string[];
}

export interface ContainerGroup {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  resource: Record<string, unknown>;
  port?: number;
  image?: string;
  logs?: () => string;
  stop?: () => Promise<void>;
}

/** What a model package built: the image name maps to the model files and scoring code it runs. */
export interface ModelPackage {
  modelDir: string;
  codeId: string;
  scoringScript: string;
  environmentVariables: Record<string, string>;
}

export interface Operation {
  /** Status polls still answered InProgress (unless `doneAt` has passed). */
  remainingPolls: number;
  /** When the work ends on its own if nobody polls it (a few times polls x Retry-After, time-scaled). */
  doneAt: number;
  /** Whether it has ended (`complete` ran when it succeeded). */
  settled: boolean;
  /** The resource it writes (lower-case ARM path): another write to it meanwhile gets 409. */
  resource?: string;
  outcome: 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
  /** Body of the final Location answer (actions such as model package). */
  result?: unknown;
  complete: () => void;
}

export interface PlanEvent {
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/** A versioned asset (code, environment, component) as stored: the ARM resource plus its kind. */
export interface AssetVersion {
  kind: AssetKind;
  workspace: Workspace;
  name: string;
  version: string;
  resource: Record<string, any>;
}

export type AssetKind = 'codes' | 'environments' | 'components';

/** An asset version in an Azure ML registry (shared across workspaces), addressed `azureml://registries/<r>/<type>/<name>/versions/<v>`. */
export interface RegistryAssetVersion {
  registry: string;
  type: string;
  name: string;
  version: string;
  resource: Record<string, any>;
}

export type JobStatus = 'NotStarted' | 'Starting' | 'Running' | 'CancelRequested' | 'Completed' | 'Failed' | 'Canceled';
export const TERMINAL: JobStatus[] = ['Completed', 'Failed', 'Canceled'];

export interface JobRecord {
  workspace: Workspace;
  name: string;
  resource: Record<string, any>;
  /** The emulator's own base URL, for the MLflow tracking URI given to steps. */
  baseUrl: string;
  /** The step processes running now (a sweep's trials and a parallel job's workers run side by side). */
  processes: Set<ChildProcess>;
  cancelRequested: boolean;
  /** Pipeline output name -> local folder. */
  outputs: Record<string, string>;
  /** Step name -> status, in execution order. */
  steps: Record<string, JobStatus>;
  /** Run id (the job's name, or a step's run id) -> why it failed, as run history reports it. */
  errors: Record<string, string>;
}

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowRun {
  info: {
    run_id: string;
    run_uuid: string;
    experiment_id: string;
    run_name: string;
    status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: 'active';
  };
  metrics: Map<string, MetricPoint[]>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface ModelVersionRecord {
  workspace: Workspace;
  name: string;
  version: string;
  created: number;
  resource: Record<string, any>;
}

/** A container registry as the emulator knows it: what it holds and who may pull. */
export interface Registry {
  server: string;
  /** Anyone may pull (MCR); otherwise credentials or a pulling identity are needed. */
  anonymous: boolean;
  /** Repositories (any tag) or `repository:tag` references it holds. */
  images: Set<string>;
  /** The admin user (ACR `listCredentials`, a workspace's `listKeys`). */
  username?: string;
  password?: string;
  /** User-assigned identities (lower-case ARM ids) with AcrPull on it. */
  pullIdentities: Set<string>;
}
