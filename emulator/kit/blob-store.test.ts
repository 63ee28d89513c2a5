import { strict as assert } from 'node:assert';
import { BlobStore } from './blob-store';

describe('emulator blob store (folder index)', () => {
  it('lists the blobs of a folder at any depth, only its own, and forgets deleted ones', () => {
    const blobs = new BlobStore();
    for (const name of ['a/b/1.json', 'a/b/c/2.json', 'a/bc/3.json', 'x.json']) blobs.set(name, Buffer.from(name));
    blobs.set('a/b/1.json', Buffer.from('again'));
    assert.deepEqual(blobs.under('a/b').sort(), ['a/b/1.json', 'a/b/c/2.json']);
    assert.deepEqual(blobs.under('a/b/').sort(), ['a/b/1.json', 'a/b/c/2.json'], 'a trailing slash names the same folder');
    assert.deepEqual(blobs.under('a').sort(), ['a/b/1.json', 'a/b/c/2.json', 'a/bc/3.json']);
    assert.deepEqual(blobs.under('nowhere'), []);
    blobs.delete('a/b/c/2.json');
    assert.deepEqual(blobs.under('a/b'), ['a/b/1.json']);
    assert.equal(blobs.get('a/b/1.json')?.toString(), 'again');
  });
});
