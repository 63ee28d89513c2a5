import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotFolder } from './code-upload';
import { BLOCK_SIZE, type DatastoreBlobs } from './datastore-blobs';
import { mapWithLimit } from '../concurrency';
import { sha256Hex } from '../hash';

export interface LocalUpload {
  /** `azureml://datastores/<ds>/paths/LocalUpload/<hash>/<name>` (a folder's ends with '/'). */
  uri: string;
  /** The https URL of the same folder or file (an environment build's `contextUri`). */
  url: string;
  outcome: 'uploaded' | 'reused' | 'wouldUpload';
  files: number;
  bytes: number;
}

/** Marks a completed upload beside (not inside) the uploaded folder, so a job reading the folder never sees it. */
const DONE = '.upload-complete';

function readRange(file: string): (offset: number, length: number) => Buffer {
  return (offset, length) => {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, offset);
      return buffer;
    } finally {
      fs.closeSync(fd);
    }
  };
}

/**
 * Uploads a local file or folder to the default datastore as `az ml` does (`LocalUpload/<content hash>/<name>`):
 * content-addressed, so an unchanged folder is found and not sent again; files over two blocks go up as
 * blocks, four in flight, and an interrupted upload resumes from the blocks already staged.
 */
export async function uploadLocal(blobs: DatastoreBlobs, localPath: string, dryRun: boolean): Promise<LocalUpload> {
  const name = path.basename(localPath);
  const snapshot = fs.statSync(localPath).isDirectory() ? snapshotFolder(localPath) : undefined;
  const isDir = snapshot !== undefined;
  const files = snapshot
    ? snapshot.files.map((f) => ({ rel: `${name}/${f.rel}`, full: f.full, size: f.size }))
    : [{ rel: name, full: localPath, size: fs.statSync(localPath).size }];
  const hash = snapshot ? snapshot.hash : sha256Hex(`${name}\0${sha256Hex(fs.readFileSync(localPath))}`);
  const folder = `LocalUpload/${hash.slice(0, 32)}`;
  const target = `${folder}/${name}${isDir ? '/' : ''}`;
  const result = { uri: blobs.uri(target), url: blobs.url(target), files: files.length, bytes: files.reduce((s, f) => s + f.size, 0) };
  if (await blobs.exists(`${folder}/${DONE}`)) return { ...result, outcome: 'reused' };
  if (dryRun) return { ...result, outcome: 'wouldUpload' };
  await mapWithLimit(files, 4, async (f) => {
    if (f.size > 2 * BLOCK_SIZE) await blobs.putBlocks(`${folder}/${f.rel}`, f.size, readRange(f.full));
    else await blobs.put(`${folder}/${f.rel}`, fs.readFileSync(f.full));
  });
  await blobs.put(`${folder}/${DONE}`, Buffer.from(JSON.stringify({ hash, files: files.length })));
  return { ...result, outcome: 'uploaded' };
}
