import { createHmac } from 'node:crypto';
import type { ArmClients } from '../azure/arm-client';
import { workspacePath, type WorkspaceRef } from './workspace';
import type { DataPlaneClient } from '../azure/data-plane';
import { AzureError } from '../errors';

interface DatastoreResource {
  properties: { datastoreType?: string; accountName?: string; containerName?: string; endpoint?: string; protocol?: string };
}

const SAS_VERSION = '2021-08-06';
const SAS_LIFETIME_MS = 60 * 60_000;
/** Block size for large uploads (Azure's SDKs use 4 MiB blocks by default). */
export const BLOCK_SIZE = 4 * 1024 * 1024;

/**
 * Blobs of a workspace's blob datastore, reached as the Azure ML SDK reaches them for local uploads: the
 * datastore's account key (listSecrets) signs a short-lived service SAS for each blob. The key and every
 * signature are masked through `mask` before anything can print them.
 */
export class DatastoreBlobs {
  private constructor(
    private readonly base: string,
    private readonly account: string,
    private readonly container: string,
    private readonly key: Buffer,
    private readonly storage: DataPlaneClient,
    private readonly mask: (secret: string) => void,
    readonly datastore: string,
  ) {}

  static async open(
    clients: ArmClients,
    ws: WorkspaceRef,
    datastore: string,
    storage: DataPlaneClient,
    mask: (secret: string) => void,
  ): Promise<DatastoreBlobs> {
    const path = `${workspacePath(ws)}/datastores/${encodeURIComponent(datastore)}`;
    const ds = await clients.rest().request<DatastoreResource>('GET', path, { operation: `Get datastore '${datastore}'` });
    const { datastoreType, accountName, containerName, endpoint = 'core.windows.net', protocol = 'https' } = ds.body.properties;
    if (datastoreType !== 'AzureBlob' || !accountName || !containerName) throw new AzureError(`Datastore '${datastore}' is not an Azure Blob datastore.`);
    const secrets = await clients
      .rest()
      .request<{ secretsType?: string; key?: string }>('POST', `${path}/listSecrets`, { operation: `Read the credentials of datastore '${datastore}'` });
    if (secrets.body.secretsType !== 'AccountKey' || !secrets.body.key) {
      throw new AzureError(
        `Datastore '${datastore}' has no account key (${secrets.body.secretsType ?? 'identity-based access'}); this needs a blob datastore the connection can read and write with its account key.`,
      );
    }
    mask(secrets.body.key);
    // An IP or localhost endpoint (Azurite, the emulator) is addressed path-style; Azure's are <account>.blob.<suffix>.
    const pathStyle = /^(localhost|\d{1,3}(\.\d{1,3}){3})(:\d+)?$/.test(endpoint);
    const base = pathStyle ? `${protocol}://${endpoint}/${accountName}` : `${protocol}://${accountName}.blob.${endpoint}`;
    return new DatastoreBlobs(base, accountName, containerName, Buffer.from(secrets.body.key, 'base64'), storage, mask, datastore);
  }

  /** The workspace's default datastore, opened on first use only (a run that uploads nothing never reads its key). */
  static lazy(clients: ArmClients, ws: WorkspaceRef, storage: DataPlaneClient, mask: (secret: string) => void): () => Promise<DatastoreBlobs> {
    let opened: Promise<DatastoreBlobs> | undefined;
    return () => (opened ??= DatastoreBlobs.open(clients, ws, 'workspaceblobstore', storage, mask));
  }

  /** `azureml://datastores/<name>/paths/<blobPath>`, the URI Azure ML stores for an uploaded asset. */
  uri(blobPath: string): string {
    return `azureml://datastores/${this.datastore}/paths/${blobPath}`;
  }

  /** The folder's https URL without a signature (an environment's build `contextUri`). */
  url(blobPath: string): string {
    return `${this.base}/${this.container}/${blobPath.split('/').map(encodeURIComponent).join('/')}`;
  }

  async exists(blobPath: string): Promise<boolean> {
    const status = await this.storage.send(
      'HEAD',
      this.signed(blobPath, 'r'),
      `Look for ${blobPath} in datastore '${this.datastore}'`,
      undefined,
      {
        'x-ms-version': SAS_VERSION,
      },
      [404],
    );
    return status !== 404;
  }

  /**
   * A large file as Put Block + Put Block List, `parallel` blocks at a time. Block ids are the block's index, so a
   * re-run after an interruption asks which blocks the service already holds (uncommitted) and sends the rest.
   */
  async putBlocks(blobPath: string, size: number, read: (offset: number, length: number) => Buffer, parallel = 4): Promise<{ sent: number; skipped: number }> {
    const ids = Array.from({ length: Math.max(1, Math.ceil(size / BLOCK_SIZE)) }, (_, i) =>
      Buffer.from(`block-${String(i).padStart(6, '0')}`).toString('base64'),
    );
    const held = await this.uncommittedBlocks(blobPath);
    const todo = ids.map((id, i) => ({ id, i })).filter((b) => !held.has(b.id));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const { id, i } = todo[next++];
        const url = `${this.signed(blobPath, 'cw')}&comp=block&blockid=${encodeURIComponent(id)}`;
        const length = Math.min(BLOCK_SIZE, size - i * BLOCK_SIZE);
        await this.storage.send('PUT', url, `Upload block ${i + 1} of ${ids.length} of ${blobPath}`, read(i * BLOCK_SIZE, length), {
          'x-ms-version': SAS_VERSION,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
    await this.storage.send('PUT', `${this.signed(blobPath, 'cw')}&comp=blocklist`, `Commit the blocks of ${blobPath}`, Buffer.from(list), {
      'x-ms-version': SAS_VERSION,
      'content-type': 'application/xml',
    });
    return { sent: todo.length, skipped: ids.length - todo.length };
  }

  private async uncommittedBlocks(blobPath: string): Promise<Set<string>> {
    const url = `${this.signed(blobPath, 'r')}&comp=blocklist&blocklisttype=uncommitted`;
    const body = (await this.storage.getOrMissing(url, `List the uploaded blocks of ${blobPath}`))?.toString('utf8') ?? '';
    return new Set([...body.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]));
  }

  async put(blobPath: string, data: Buffer): Promise<void> {
    await this.storage.send('PUT', this.signed(blobPath, 'cw'), `Upload ${blobPath} to datastore '${this.datastore}'`, data, {
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-version': SAS_VERSION,
      'content-type': 'application/octet-stream',
    });
  }

  get(blobPath: string): Promise<Buffer> {
    return this.storage.get(this.signed(blobPath, 'r'), `Download ${blobPath} from datastore '${this.datastore}'`);
  }

  /** A blob URL with a service SAS (sr=b) for `permissions`, signed over the string-to-sign of 2020-12-06+. */
  private signed(blobPath: string, permissions: string): string {
    const expiry = new Date(Date.now() + SAS_LIFETIME_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const resource = `/blob/${this.account}/${this.container}/${blobPath}`;
    const toSign = [permissions, '', expiry, resource, '', '', 'https,http', SAS_VERSION, 'b', '', '', '', '', '', '', ''].join('\n');
    const sig = createHmac('sha256', this.key).update(toSign, 'utf8').digest('base64');
    this.mask(sig);
    this.mask(encodeURIComponent(sig));
    const query = new URLSearchParams({ sv: SAS_VERSION, spr: 'https,http', se: expiry, sr: 'b', sp: permissions, sig });
    return `${this.base}/${this.container}/${blobPath.split('/').map(encodeURIComponent).join('/')}?${query.toString()}`;
  }
}

/** The datastore and blob path of an `azureml://[subscriptions/.../workspaces/<ws>/]datastores/<name>/paths/<path>` URI. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const m =
    /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.+)$/.exec(
      uri,
    );
  return m ? { datastore: m[1], path: m[2] } : undefined;
}
