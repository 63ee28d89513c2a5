import { createHash } from 'node:crypto';
import { workspacePath, type WorkspaceRef } from './workspace';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArmClients } from '../azure/arm-client';
import type { DataPlaneClient } from '../azure/data-plane';

export interface CodeSnapshot {
  dir: string;
  files: { rel: string; full: string; size: number }[];
  /** sha256 over every file's path and content: the code asset's identity. */
  hash: string;
  bytes: number;
}

/** A .gitignore-style pattern as a RegExp on slash-separated relative paths. */
function patternToRegex(pattern: string): RegExp {
  let p = pattern;
  const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
  p = p.replace(/^\//, '').replace(/\/$/, '');
  const body = p
    .split('')
    .map((c, i, all) => {
      if (c === '*') return all[i + 1] === '*' ? '' : all[i - 1] === '*' ? '.*' : '[^/]*';
      if (c === '?') return '[^/]';
      return /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
    })
    .join('');
  return new RegExp(`${anchored ? '^' : '(^|/)'}${body}(/|$)`);
}

/** Ignore rules of a code folder: .amlignore if present, else .gitignore (Azure ML's rule). */
function ignoreRules(dir: string): { regex: RegExp; negate: boolean }[] {
  const file = ['.amlignore', '.gitignore'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), regex: patternToRegex(l.replace(/^!/, '')) }));
}

export function snapshotFolder(dir: string): CodeSnapshot {
  const rules = ignoreRules(dir);
  const ignored = (rel: string) => rules.reduce((acc, r) => (r.regex.test(rel) ? !r.negate : acc), false);
  const files: CodeSnapshot['files'] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      const rel = path.relative(dir, full).split(path.sep).join('/');
      if (entry.name === '.git' || ignored(rel)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push({ rel, full, size: fs.statSync(full).size });
    }
  };
  walk(dir);
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.rel}\0${createHash('sha256').update(fs.readFileSync(f.full)).digest('hex')}\n`);
  return { dir, files, hash: hash.digest('hex'), bytes: files.reduce((s, f) => s + f.size, 0) };
}

interface PendingUpload {
  blobReferenceForConsumption: { blobUri: string; credential: { sasUri: string } };
}

export interface CodeAsset {
  id: string;
  uploaded: boolean;
}

/**
 * The code asset for a folder, named by its content hash, so an unchanged folder is found and never uploaded
 * again. `dryRun` only looks.
 */
export async function ensureCodeAsset(
  clients: ArmClients,
  ws: WorkspaceRef,
  snapshot: CodeSnapshot,
  storage: DataPlaneClient,
  dryRun: boolean,
): Promise<CodeAsset> {
  const rest = clients.rest();
  const name = `code-${snapshot.hash.slice(0, 40)}`;
  const versionPath = `${workspacePath(ws)}/codes/${name}/versions/1`;
  const id = versionPath;
  const existing = await rest.tryGet(versionPath, `Get code asset '${name}'`);
  if (existing || dryRun) return { id, uploaded: !existing };
  const pending = await rest.request<PendingUpload>('POST', `${versionPath}/startPendingUpload`, {
    operation: `Start the upload of code asset '${name}'`,
    body: { pendingUploadType: 'TemporaryBlobReference' },
  });
  const { blobUri, credential } = pending.body.blobReferenceForConsumption;
  for (const file of snapshot.files) await storage.putBlob(credential.sasUri, file.rel, fs.readFileSync(file.full));
  await rest.request('PUT', versionPath, {
    operation: `Register code asset '${name}'`,
    body: { properties: { codeUri: blobUri, isAnonymous: true, properties: { hash_sha256: snapshot.hash, hash_version: '202208' } } },
  });
  return { id, uploaded: true };
}
