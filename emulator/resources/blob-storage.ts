import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { baseUrl } from '../kit/arm';
import type { EmulatorRequest, EmulatorResponse } from '../kit/http';
import { rememberSecret, secretValue, type EmulatorState } from '../kit/state';
import type { ResourceFamily } from './family';

export const STORAGE_ACCOUNT = 'emustorage';

/** A SAS URL on the emulator's blob store for `blobPath` in the workspace container. */
export function sasUrl(state: EmulatorState, req: EmulatorRequest, blobPath: string): string {
  const sig = secretValue('sig-');
  state.sasTokens.add(sig);
  return `${baseUrl(req)}/${STORAGE_ACCOUNT}/${state.blobContainer}/${blobPath}?sv=2021-08-06&sr=c&sp=racwl&se=2099-01-01T00%3A00%3A00Z&sig=${encodeURIComponent(sig)}`;
}

const SAS_PERMISSION: Record<string, string> = { GET: 'r', HEAD: 'r', PUT: 'w' };

/**
 * A service SAS signed with the account key (what a client holding the datastore's key makes): the HMAC-SHA256
 * over the 16-line string-to-sign of versions 2020-12-06 and later must match, the token must not have expired,
 * and its permissions must cover the method.
 */
function keySignedSasAllows(state: EmulatorState, req: EmulatorRequest): boolean {
  const q = (k: string) => req.url.searchParams.get(k) ?? '';
  const rest = decodeURIComponent(req.path.slice(`/${STORAGE_ACCOUNT}/`.length));
  const [container, ...blob] = rest.split('/');
  const resource = q('sr') === 'b' ? `/blob/${STORAGE_ACCOUNT}/${container}/${blob.join('/')}` : `/blob/${STORAGE_ACCOUNT}/${container}`;
  const toSign = [
    q('sp'),
    q('st'),
    q('se'),
    resource,
    q('si'),
    q('sip'),
    q('spr'),
    q('sv'),
    q('sr'),
    q('sst'),
    q('ses'),
    q('rscc'),
    q('rscd'),
    q('rsce'),
    q('rscl'),
    q('rsct'),
  ].join('\n');
  const expected = createHmac('sha256', Buffer.from(state.storageKey, 'base64')).update(toSign, 'utf8').digest();
  rememberSecret(q('sig'));
  const given = Buffer.from(q('sig'), 'base64');
  const wanted = req.url.searchParams.get('comp') === 'list' ? 'l' : (SAS_PERMISSION[req.method] ?? '?');
  return given.length === expected.length && timingSafeEqual(given, expected) && Date.parse(q('se')) > Date.now() && q('sp').includes(wanted);
}

/**
 * The blob service of the emulated storage account, path-style as Azurite serves it:
 * `/<account>/<container>/<blob path>`. Put Blob (BlockBlob), Get/Head Blob and List Blobs, SAS-checked.
 */
function blobHandler(state: EmulatorState, req: EmulatorRequest): EmulatorResponse | undefined {
  const prefix = `/${STORAGE_ACCOUNT}/`;
  if (!req.path.startsWith(prefix)) return undefined;
  const sig = req.url.searchParams.get('sig');
  if (!sig || !(state.sasTokens.has(sig) || keySignedSasAllows(state, req))) {
    return {
      status: 403,
      body: { code: 'AuthenticationFailed', message: 'Server failed to authenticate the request: the SAS signature is missing or unknown.' },
    };
  }
  const rest = decodeURIComponent(req.path.slice(prefix.length));
  const slash = rest.indexOf('/');
  const container = slash < 0 ? rest : rest.slice(0, slash);
  const blob = slash < 0 ? '' : rest.slice(slash + 1);
  if (container !== state.blobContainer) return { status: 404, body: { code: 'ContainerNotFound', message: `Container '${container}' does not exist.` } };
  if (req.method === 'GET' && !blob && req.url.searchParams.get('comp') === 'list') {
    const prefixFilter = req.url.searchParams.get('prefix') ?? '';
    const names = [...state.blobs.keys()].filter((n) => n.startsWith(prefixFilter)).sort();
    return { status: 200, body: { blobs: names.map((n) => ({ name: n, size: state.blobs.get(n)?.length })) } };
  }
  const comp = req.url.searchParams.get('comp');
  if (comp === 'block' || comp === 'blocklist') return blockHandler(state, req, blob, comp);
  if (req.method === 'PUT') {
    state.blobs.set(blob, req.rawBuffer);
    state.blocks.delete(blob);
    return { status: 201, headers: { etag: `"${randomUUID()}"` } };
  }
  const data = state.blobs.get(blob);
  if (!data) return { status: 404, body: { code: 'BlobNotFound', message: `The blob '${blob}' does not exist.` } };
  if (req.method === 'HEAD') return { status: 200, headers: { 'content-length': String(data.length) } };
  if (req.method === 'GET') return { status: 200, raw: data };
  return { status: 405 };
}

/**
 * Put Block, Put Block List and Get Block List (uncommitted): staged blocks become the blob when a block list
 * names them all; a list naming a block never staged is refused as the service refuses it (400 InvalidBlockList).
 */
function blockHandler(state: EmulatorState, req: EmulatorRequest, blob: string, comp: string): EmulatorResponse {
  const staged = state.blocks.get(blob) ?? new Map<string, Buffer>();
  if (comp === 'block' && req.method === 'PUT') {
    const id = req.url.searchParams.get('blockid');
    if (!id) return { status: 400, body: { code: 'InvalidQueryParameterValue', message: 'blockid is required.' } };
    staged.set(id, req.rawBuffer);
    state.blocks.set(blob, staged);
    return { status: 201 };
  }
  if (req.method === 'GET') {
    const names = [...staged.entries()].map(([id, data]) => `<Block><Name>${id}</Name><Size>${data.length}</Size></Block>`).join('');
    return {
      status: 200,
      raw: Buffer.from(`<?xml version="1.0" encoding="utf-8"?><BlockList><CommittedBlocks/><UncommittedBlocks>${names}</UncommittedBlocks></BlockList>`),
    };
  }
  if (req.method !== 'PUT') return { status: 405 };
  const ids = [...req.rawBuffer.toString('utf8').matchAll(/<(?:Latest|Uncommitted)>([^<]+)<\/(?:Latest|Uncommitted)>/g)].map((m) => m[1]);
  if (ids.length === 0 || ids.some((id) => !staged.has(id)))
    return { status: 400, body: { code: 'InvalidBlockList', message: 'The specified block list is invalid.' } };
  state.blobs.set(blob, Buffer.concat(ids.map((id) => staged.get(id) as Buffer)));
  state.blocks.delete(blob);
  return { status: 201, headers: { etag: `"${randomUUID()}"` } };
}

export const blobStorage: ResourceFamily = { name: 'blob storage', intercept: ({ state }, req) => blobHandler(state, req) };
