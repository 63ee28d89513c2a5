import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmulatorState } from '../kit/state';

/** Writes a code asset's files into `dir` (created, also when the asset is empty). */
export function writeCodeFolder(state: EmulatorState, codeUri: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, data] of codeFolderBlobs(state, codeUri)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  }
}

/** Blob paths of a code asset's folder, from its codeUri (https://<account>.../<container>/<folder>). */
export function codeFolderBlobs(state: EmulatorState, codeUri: string): Map<string, Buffer> {
  const folder = decodeURIComponent(new URL(codeUri).pathname).split('/').slice(3).join('/').replace(/\/$/, '');
  const files = new Map<string, Buffer>();
  for (const [name, data] of state.blobs) {
    if (name === folder || name.startsWith(`${folder}/`)) files.set(name.slice(folder.length + 1), data);
  }
  return files;
}
