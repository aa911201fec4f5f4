import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidArgument, NotFound } from '../../errors/index.js';
import { ContentStore } from './index.js';

async function store(t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string; cs: ContentStore }> {
  const root = await mkdtemp(join(tmpdir(), 'pure-content-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return { root, cs: new ContentStore({ root }) };
}

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

void test('writes a stream under its sha256 and reads it back', async (t) => {
  const { root, cs } = await store(t);
  const body = Buffer.from('{"a":1}');
  const info = await cs.write(Readable.from([body.subarray(0, 3), body.subarray(3)]));
  assert.deepEqual(info, { digest: sha(body), size: body.length });
  assert.equal(cs.path(info.digest), join(root, 'content/blobs/sha256', sha(body).slice(7)));
  assert.equal(await readFile(cs.path(info.digest), 'utf8'), '{"a":1}');
  assert.deepEqual(await cs.readJson(info.digest), { a: 1 });
  assert.ok(await cs.has(info.digest));
  assert.deepEqual(await cs.list(), [info.digest]);
  await cs.delete(info.digest);
  assert.equal(await cs.has(info.digest), false);
  await assert.rejects(cs.readJson(info.digest), NotFound);
});

void test('a digest or size mismatch throws and leaves nothing behind', async (t) => {
  const { root, cs } = await store(t);
  await assert.rejects(cs.write(Buffer.from('abc'), { digest: sha('abd') }), InvalidArgument);
  await assert.rejects(cs.write(Buffer.from('abc'), { size: 4 }), /size is 3, expected 4/);
  assert.deepEqual(await cs.list(), []);
  assert.deepEqual(await readdir(join(root, 'content/ingest')), []);
});

void test('rejects malformed digests', async (t) => {
  const { cs } = await store(t);
  assert.throws(() => cs.path('sha256:../../etc/passwd'), InvalidArgument);
  assert.throws(() => cs.path('md5:abc'), /invalid digest "md5:abc"/);
});
