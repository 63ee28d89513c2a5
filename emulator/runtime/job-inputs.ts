import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GraphContext } from './step-process';

const DATASTORE_URI =
  /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.*)$/;

/**
 * A data input as a step sees it: a datastore URI is mounted (here: its blobs copied into the job's folder, a
 * folder for a prefix, the file for a blob); a local path (an earlier step's output) is used as it is. Web and
 * other storage URIs are refused: the emulator has no network.
 */
export function localInput(ctx: GraphContext, uri: string): string {
  if (/^azureml:(?!\/\/)/.test(uri))
    throw new Error(`cannot run locally: input '${uri}' is a data asset, and the emulator holds no data assets (use a datastore path)`);
  if (!uri.includes('://')) return uri;
  const m = DATASTORE_URI.exec(uri);
  if (!m) throw new Error(`cannot run locally: input '${uri}' is outside the workspace's datastores and the emulator has no network`);
  if (m[1] !== 'workspaceblobstore') throw new Error(`datastore '${m[1]}' was not found`);
  const blobPath = decodeURIComponent(m[2]);
  const target = path.join(ctx.dir, 'inputs', createHash('sha256').update(uri).digest('hex').slice(0, 16));
  const blobs = ctx.state.blobs;
  if (!blobPath.endsWith('/') && blobs.has(blobPath)) {
    const file = path.join(target, path.basename(blobPath));
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(file, blobs.get(blobPath) as Buffer);
    return file;
  }
  const prefix = blobPath.endsWith('/') ? blobPath : `${blobPath}/`;
  const names = blobs.under(prefix);
  if (names.length === 0) throw new Error(`input '${uri}' was not found: the datastore has nothing at '${blobPath}'`);
  for (const name of names) {
    const file = path.join(target, name.slice(prefix.length));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, blobs.get(name) as Buffer);
  }
  return target;
}
