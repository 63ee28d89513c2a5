import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { BlobStore } from './blob-store';
import { ARM_BUCKETS, ArmThrottle } from './throttling';
import type {
  AmlRegistry,
  AssetVersion,
  BatchEndpoint,
  Compute,
  ContainerGroup,
  EmulatorClient,
  IssuedToken,
  JobRecord,
  MlflowRun,
  ModelPackage,
  ModelVersionRecord,
  OnlineEndpoint,
  Operation,
  PlanEvent,
  Registry,
  RegistryAssetVersion,
  Workspace,
} from './records';

export type * from './records';
export { TERMINAL } from './records';

/**
 * The audiences ARM accepts (its error InvalidAuthenticationTokenAudience lists them), and Azure ML's data-plane
 * audience (online endpoints with AAD auth, MLflow beside ARM's).
 */
export const ARM_AUDIENCES = ['https://management.core.windows.net', 'https://management.azure.com'];
export const ML_AUDIENCE = 'https://ml.azure.com';

/** A token scope's audience: `https://management.azure.com/.default` -> `https://management.azure.com`. */
export function audienceOf(scope: string): string {
  return scope
    .replace(/\/\.default$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

export function workspaceId(ws: Workspace): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}`;
}

/** Finds an asset by its ARM id (`/subscriptions/.../components/x/versions/1`, optionally prefixed `azureml:`). */
export function assetById(state: EmulatorState, id: string): AssetVersion | undefined {
  return state.assets.get(id.replace(/^azureml:/i, '').toLowerCase());
}

export function experimentId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function createRun(state: EmulatorState, runId: string, experiment: string, runName: string, tags: Record<string, string> = {}): MlflowRun {
  const run: MlflowRun = {
    info: {
      run_id: runId,
      run_uuid: runId,
      experiment_id: experimentId(experiment),
      run_name: runName,
      status: 'RUNNING',
      start_time: Date.now(),
      artifact_uri: `azureml://experiments/${experiment}/runs/${runId}/artifacts`,
      lifecycle_stage: 'active',
    },
    metrics: new Map(),
    params: {},
    tags: { 'mlflow.runName': runName, ...tags },
  };
  state.mlflowRuns.set(runId, run);
  return run;
}

/**
 * Every secret value the emulators of this process issued or received (keys, tokens, SAS signatures, passwords,
 * secure values, client secrets and assertions, webhook tokens): the traffic log replaces them wherever they appear.
 */
export const KNOWN_SECRETS = new Set<string>();

/** Registers a secret the emulator received, so the traffic log never shows it. */
export function rememberSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 8) KNOWN_SECRETS.add(value);
}

export function secretValue(prefix: string): string {
  const value = `${prefix}${randomBytes(18).toString('base64url')}`;
  KNOWN_SECRETS.add(value);
  return value;
}

/** Everything the emulator knows; tests read and seed it directly. */
export class EmulatorState {
  readonly tenantId = randomUUID();
  /**
   * A second tenant where the emulator's service principal also exists (a multi-tenant app): its tokens are valid
   * Entra tokens that ARM refuses for this subscription (InvalidAuthenticationTokenTenant).
   */
  readonly otherTenantId = randomUUID();
  readonly subscriptionId = randomUUID();
  readonly clients = new Map<string, EmulatorClient>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly oidcTokens = new Map<string, string>();
  readonly amlTokens = new Map<string, { endpoint: string; expiresAt: number }>();
  readonly workspaces: Workspace[] = [];
  readonly onlineEndpoints = new Map<string, OnlineEndpoint>();
  readonly batchEndpoints = new Map<string, BatchEndpoint>();
  /** Azure ML registries by name (lower case): one is seeded beside the public `azureml` catalogue. */
  readonly amlRegistries = new Map<string, AmlRegistry>();
  readonly containerGroups = new Map<string, ContainerGroup>();
  readonly operations = new Map<string, Operation>();
  /** The operations still running: what every request checks, so it stays small however many have ended. */
  private readonly running = new Set<Operation>();
  readonly planEvents: PlanEvent[] = [];
  readonly assets = new Map<string, AssetVersion>();
  /** Asset versions of Azure ML registries (keyed by registryAssetKey), beside the azureml registry's catalogue. */
  readonly registryAssets = new Map<string, RegistryAssetVersion>();
  readonly jobs = new Map<string, JobRecord>();
  readonly mlflowRuns = new Map<string, MlflowRun>();
  /** Model containers put on their own (ModelContainer PUT), by model container key. */
  readonly modelContainers = new Map<
    string,
    {
      name: string;
      description: string | null;
      tags: Record<string, string>;
      properties: Record<string, string>;
      isArchived: boolean;
      systemData: Record<string, unknown>;
    }
  >();
  /** Model container key -> its versions in registration order. */
  readonly modelVersions = new Map<string, ModelVersionRecord[]>();
  /** Blob store of the workspace's storage account: blob path -> content. */
  readonly blobs = new BlobStore();
  /** Staged (uncommitted) blocks per blob, as Put Block leaves them until Put Block List. */
  readonly blocks = new Map<string, Map<string, Buffer>>();
  readonly sasTokens = new Set<string>();
  /** Container registries by server (lower case): MCR, the workspace's, and any a test adds. */
  readonly registries = new Map<string, Registry>();
  /** Images built by model package, by image name. */
  readonly packages = new Map<string, ModelPackage>();
  /** Workspace computes by name (lower case): a Kubernetes (AKS) compute and a cluster are seeded. */
  readonly computes = new Map<string, Compute>();
  /** Deployment names that never become healthy (their readiness probe fails), on request of a test. */
  readonly unhealthyDeployments = new Set<string>();
  /** Tokens handed to job steps for MLflow (AZUREML_RUN_TOKEN / MLFLOW_TRACKING_TOKEN). */
  readonly runTokens = new Set<string>();
  readonly blobContainer = `azureml-blobstore-${randomUUID()}`;
  /** The storage account key, base64 of 64 bytes as Azure's are; it signs service SAS tokens. */
  readonly storageKey = ((key: string) => (KNOWN_SECRETS.add(key), key))(randomBytes(64).toString('base64'));
  /** Folder where job steps run (each in its own subfolder). */
  jobsRoot = '';
  /** Listeners (container stand-ins) to stop with the emulator. */
  readonly stopOnClose: (() => Promise<void>)[] = [];
  /** The job access token (System.AccessToken) the OIDC route accepts. */
  systemAccessToken = secretValue('sat-');
  /** The X-IDENTITY-HEADER value the managed-identity route accepts. */
  identityHeader = secretValue('idh-');
  /** Client id of the user-assigned managed identity (the system-assigned one needs none). */
  managedIdentityClientId = randomUUID();
  /** Status polls before an emulated long-running operation finishes (Azure's take minutes: several polls). */
  lroPolls = 3;
  /** Retry-After (seconds) on long-running operation responses: ARM's published range is 10 to 600. */
  retryAfterSeconds = 10;
  /**
   * Simulated time: the factor the tasks run against this emulator shorten their waits by (passed to them as
   * AML_TASKS_SIMULATED_TIME_SCALE), so a Retry-After of 10 s costs 20 ms. EMULATOR_TIME_SCALE overrides it.
   */
  timeScale = Number(process.env.EMULATOR_TIME_SCALE) > 0 ? Number(process.env.EMULATOR_TIME_SCALE) : 0.002;
  pageSize = 100;
  /**
   * RBAC actions the service principal lacks (a missing role assignment), lower case, e.g.
   * `microsoft.machinelearningservices/workspaces/onlineendpoints/write`: ARM answers them 403 AuthorizationFailed.
   */
  readonly deniedActions = new Set<string>();
  /** ARM's throttling, off by default so tests stay fast: `throttleLikeArm()` turns it on (the benchmark does). */
  throttle: ArmThrottle | undefined;
  /** When set, the next long-running operation ends Failed with this error (then it is cleared). */
  failNextOperation: { code: string; message: string } | undefined;

  constructor() {
    this.workspaces.push({ subscriptionId: this.subscriptionId, resourceGroup: 'rg-mlops', name: 'mlw-emulator', location: 'westeurope' });
    // A production workspace beside the development one: promotion moves models between them through a registry.
    this.workspaces.push({ subscriptionId: this.subscriptionId, resourceGroup: 'rg-mlops', name: 'mlw-emulator-prod', location: 'westeurope' });
    const clientId = randomUUID();
    this.clients.set(clientId, { clientId, clientSecret: secretValue('cs-'), federatedConnections: [] });
  }

  /** Every secret value this emulator holds: what it issued (keys, tokens, SAS tokens) and the webhook tokens it received. */
  secretValues(): string[] {
    const webhookTokens = [...this.jobs.values()].flatMap((j) =>
      Object.values((j.resource.properties.notificationSetting?.webhooks ?? {}) as Record<string, { AuthToken?: string }>).map((h) => h.AuthToken),
    );
    const values = [
      ...[...this.clients.values()].map((c) => c.clientSecret),
      this.storageKey,
      this.systemAccessToken,
      this.identityHeader,
      ...this.tokens.keys(),
      ...this.oidcTokens.keys(),
      ...this.amlTokens.keys(),
      ...this.sasTokens,
      ...this.runTokens,
      ...[...this.onlineEndpoints.values()].flatMap((e) => [e.keys.primaryKey, e.keys.secondaryKey]),
      ...[...this.registries.values()].map((r) => r.password),
      ...webhookTokens,
    ];
    return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= 8))];
  }

  /** ARM's buckets, or smaller ones (a test that must see a fan-out throttled without sending hundreds of requests). */
  throttleLikeArm(buckets: Partial<typeof ARM_BUCKETS> = {}): ArmThrottle {
    this.throttle = new ArmThrottle(() => this.timeScale, { ...ARM_BUCKETS, ...buckets });
    return this.throttle;
  }

  /** The default app registration (service principal) the emulator starts with. */
  get defaultClient(): EmulatorClient {
    return this.clients.values().next().value as EmulatorClient;
  }

  get defaultWorkspace(): Workspace {
    return this.workspaces[0];
  }

  findWorkspace(subscriptionId: string, resourceGroup: string, name: string): Workspace | undefined {
    return this.workspaces.find(
      (w) =>
        w.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
        w.resourceGroup.toLowerCase() === resourceGroup.toLowerCase() &&
        w.name.toLowerCase() === name.toLowerCase(),
    );
  }

  issueToken(clientId: string, scope: string, options: { lifetimeSeconds?: number; tenantId?: string } = {}): { token: string; expiresIn: number } {
    const token = secretValue('emu-at-');
    const lifetimeSeconds = options.lifetimeSeconds ?? 3600;
    this.tokens.set(token, { clientId, scope, expiresAt: Date.now() + lifetimeSeconds * 1000, tenantId: options.tenantId ?? this.tenantId });
    return { token, expiresIn: lifetimeSeconds };
  }

  /** The token a request bears if this emulator's Entra issued it (any tenant, expired or not). */
  bearer(authorization: string | undefined): IssuedToken | undefined {
    const m = /^Bearer (.+)$/i.exec(authorization ?? '');
    return m ? this.tokens.get(m[1]) : undefined;
  }

  /**
   * The bearer token of a request if this emulator issued it, in the subscription's tenant, it has not expired, and
   * (when given) its audience is one of `audiences`.
   */
  validToken(authorization: string | undefined, audiences?: string[]): IssuedToken | undefined {
    const issued = this.bearer(authorization);
    if (!issued || issued.expiresAt <= Date.now() || issued.tenantId !== this.tenantId) return undefined;
    return !audiences || audiences.includes(audienceOf(issued.scope)) ? issued : undefined;
  }

  startOperation(op: Omit<Operation, 'remainingPolls' | 'doneAt' | 'settled'>): string {
    const id = randomUUID();
    const failure = this.failNextOperation;
    this.failNextOperation = undefined;
    // Polled as asked, it ends after `lroPolls` polls; unpolled (an answer lost), it ends on its own, later.
    const doneAt = Date.now() + 5 * this.lroPolls * this.retryAfterSeconds * 1000 * this.timeScale;
    const operation: Operation = { ...op, remainingPolls: this.lroPolls, doneAt, settled: false, ...(failure ? { outcome: 'Failed', error: failure } : {}) };
    this.operations.set(id, operation);
    this.running.add(operation);
    return id;
  }

  /** Ends an operation (once): a succeeded one applies its result. */
  settle(op: Operation): void {
    if (op.settled) return;
    op.settled = true;
    this.running.delete(op);
    if (op.outcome === 'Succeeded') op.complete();
  }

  /** Ends the operations whose time has come, polled or not, as Azure's do. */
  settleDue(): void {
    const now = Date.now();
    for (const op of [...this.running]) if (now >= op.doneAt) this.settle(op);
  }

  /** The unfinished operation writing the resource at `path`, if any. */
  operationOn(path: string): Operation | undefined {
    const resource = path.toLowerCase();
    return [...this.running].find((op) => op.resource === resource);
  }
}
