import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { startTrustedEmulator } from '../../emulator/seed';
import { BLOCK_SIZE, DatastoreBlobs } from '../../shared/aml/datastore-blobs';
import { DataPlaneClient } from '../../shared/azure/data-plane';
import { scaledClock } from '../../shared/clock';
import { uploadLocal } from '../../shared/aml/local-upload';
import { emulatorClients, FAST_RETRY } from '../support/arm';

describe('local data upload to the default datastore (as az ml uploads it)', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let dir: string;
  let blobs: DatastoreBlobs;
  const masked: string[] = [];

  before(async () => {
    emulator = await startTrustedEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-'));
    const { clients } = emulatorClients(emulator);
    const ws = { subscriptionId: emulator.info.subscriptionId, resourceGroup: emulator.info.resourceGroup, workspace: emulator.info.workspace };
    const storage = new DataPlaneClient(scaledClock(0.001), () => undefined, FAST_RETRY);
    blobs = await DatastoreBlobs.open(clients, ws, 'workspaceblobstore', storage, (s) => masked.push(s));
  });
  after(async () => {
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends a large file as blocks; after an interruption only the missing blocks go up', async () => {
    const data = randomBytes(2 * BLOCK_SIZE + 1000);
    let reads = 0;
    const failing = (offset: number, length: number) => {
      if (offset >= 2 * BLOCK_SIZE) throw new Error('connection lost');
      reads++;
      return data.subarray(offset, offset + length);
    };
    await assert.rejects(blobs.putBlocks('big/file.bin', data.length, failing, 1), /connection lost/);
    assert.equal(reads, 2);
    assert.equal(emulator.state.blobs.has('big/file.bin'), false, 'nothing is committed before the block list');
    const second = await blobs.putBlocks('big/file.bin', data.length, (offset, length) => data.subarray(offset, offset + length));
    assert.deepEqual(second, { sent: 1, skipped: 2 });
    assert.ok(emulator.state.blobs.get('big/file.bin')?.equals(data), 'the committed blob is the file');
    assert.ok(masked.length > 0, 'the account key and signatures are masked');
  });

  it('uploads a folder content-addressed; an unchanged folder is found and not sent again; a change is a new folder', async () => {
    const folder = path.join(dir, 'data');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.csv'), 'x,y\n1,2\n');
    fs.writeFileSync(path.join(folder, 'large.bin'), randomBytes(2 * BLOCK_SIZE + 10));
    const first = await uploadLocal(blobs, folder, false);
    assert.equal(first.outcome, 'uploaded');
    assert.match(first.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/data\/$/);
    const prefix = first.uri.replace('azureml://datastores/workspaceblobstore/paths/', '');
    assert.equal(emulator.state.blobs.get(`${prefix}a.csv`)?.toString(), 'x,y\n1,2\n');
    assert.equal(emulator.state.blobs.get(`${prefix}large.bin`)?.length, 2 * BLOCK_SIZE + 10);
    const blobCount = emulator.state.blobs.size;
    assert.deepEqual({ ...(await uploadLocal(blobs, folder, false)), outcome: 'reused' }, { ...first, outcome: 'reused' });
    assert.equal(emulator.state.blobs.size, blobCount, 'nothing written for an unchanged folder');
    fs.writeFileSync(path.join(folder, 'a.csv'), 'x,y\n1,3\n');
    const changed = await uploadLocal(blobs, folder, true);
    assert.equal(changed.outcome, 'wouldUpload');
    assert.notEqual(changed.uri, first.uri);
    assert.equal(emulator.state.blobs.size, blobCount, 'a dry run writes nothing');
  });
});
