import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The storage account's blobs by name, with an index of every folder prefix, so listing a folder costs its own
 * blobs rather than a scan of the account (a many-models workspace holds a blob or more per model).
 */
export class BlobStore extends Map<string, Buffer> {
  private readonly folders = new Map<string, Set<string>>();

  override set(name: string, data: Buffer): this {
    if (!super.has(name) && this.folders) {
      for (const folder of foldersOf(name)) {
        let names = this.folders.get(folder);
        if (!names) this.folders.set(folder, (names = new Set()));
        names.add(name);
      }
    }
    return super.set(name, data);
  }

  override delete(name: string): boolean {
    for (const folder of foldersOf(name)) this.folders.get(folder)?.delete(name);
    return super.delete(name);
  }

  /** Stores every file under the local folder `dir` as a blob named `prefix` + its relative path. */
  putFolder(dir: string, prefix: string): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) this.putFolder(path.join(dir, e.name), `${prefix}${e.name}/`);
      else this.set(`${prefix}${e.name}`, fs.readFileSync(path.join(dir, e.name)));
    }
  }

  /** The names of the blobs under `folder` (no trailing slash), at any depth. */
  under(folder: string): string[] {
    return [...(this.folders.get(folder.replace(/\/+$/, '')) ?? [])];
  }
}

function foldersOf(name: string): string[] {
  const parts = name.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
