import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readFile, readlink, rm, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { InvalidArgument } from '../../errors/index.js';
import { unpackLayer } from './index.js';

type Entry = Partial<Header> & { name: string; body?: string };

/** A tar archive built in memory with tar-stream, so hostile shapes need no real files. */
async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      p.entry({ mode: 0o644, mtime: new Date(1_000_000_000_000), ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<{ base: string; layer: string }> {
  const base = await mkdtemp(join(tmpdir(), 'pure-unpack-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const layer = join(base, 'layer');
  await mkdir(layer);
  return { base, layer };
}

async function assertRejected(t: Parameters<typeof tempDir>[0], entries: Entry[], reason: RegExp): Promise<string> {
  const { base, layer } = await tempDir(t);
  const tarball = await makeTar(entries);
  await assert.rejects(unpackLayer(Readable.from([tarball]), layer), (err: unknown) => {
    assert.ok(err instanceof InvalidArgument, `expected InvalidArgument, got ${String(err)}`);
    assert.match(err.message, reason);
    return true;
  });
  return base;
}

void test('unpacks files, dirs, symlinks, hardlinks, fifos and devices with owner, mode and mtime', async (t) => {
  const { layer } = await tempDir(t);
  const mtime = new Date(1_500_000_000_000);
  const tarball = await makeTar([
    { name: './', type: 'directory', mode: 0o755 },
    { name: 'etc/', type: 'directory', mode: 0o750, uid: 10, gid: 20, mtime },
    { name: 'etc/motd', body: 'hello\n', mode: 0o4755, uid: 1000, gid: 1001, mtime },
    { name: 'etc/motd.link', type: 'link', linkname: 'etc/motd' },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
    { name: 'bin/rel', type: 'symlink', linkname: '../etc/motd' },
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 },
  ]);
  const result = await unpackLayer(Readable.from([tarball]), layer);
  assert.equal(result.size, 6);
  assert.equal(await readFile(join(layer, 'etc/motd'), 'utf8'), 'hello\n');
  const motd = await lstat(join(layer, 'etc/motd'));
  assert.equal(motd.mode & 0o7777, 0o4755);
  assert.equal(motd.uid, 1000);
  assert.equal(motd.gid, 1001);
  assert.equal(motd.mtimeMs, mtime.getTime());
  assert.equal(motd.nlink, 2);
  assert.equal((await lstat(join(layer, 'etc/motd.link'))).ino, motd.ino);
  const etc = await lstat(join(layer, 'etc'));
  assert.equal(etc.mode & 0o7777, 0o750);
  assert.equal(etc.uid, 10);
  assert.equal(etc.mtimeMs, mtime.getTime(), 'directory mtime is restored after its children were written');
  assert.equal(await readlink(join(layer, 'bin/sh')), '/bin/busybox');
  assert.equal(await readlink(join(layer, 'bin/rel')), '../etc/motd');
  assert.ok((await lstat(join(layer, 'run/fifo'))).isFIFO());
  const dev = await lstat(join(layer, 'dev/null'));
  assert.ok(dev.isCharacterDevice());
  assert.equal(dev.rdev, (1 << 8) | 3);
  assert.ok((await lstat(join(layer, 'dev/loop9'))).isBlockDevice());
});

void test('diffId is the sha256 of the uncompressed tar, for plain, gzip and zstd input', async (t) => {
  const tarball = await makeTar([{ name: 'a.txt', body: 'x'.repeat(5000) }]);
  const expected = `sha256:${createHash('sha256').update(tarball).digest('hex')}`;
  const plain = await tempDir(t);
  assert.equal((await unpackLayer(Readable.from([tarball]), plain.layer)).diffId, expected);
  const gz = await tempDir(t);
  const gzipped = gzipSync(tarball);
  // Split the input into tiny chunks: sniffing must not depend on the first chunk's size.
  const pieces = Array.from({ length: Math.ceil(gzipped.length / 3) }, (_, i) => gzipped.subarray(i * 3, i * 3 + 3));
  const r = await unpackLayer(Readable.from(pieces), gz.layer);
  assert.equal(r.diffId, expected);
  assert.equal(r.size, 5000);
  assert.equal(await readFile(join(gz.layer, 'a.txt'), 'utf8'), 'x'.repeat(5000));
  const zs = await tempDir(t);
  const zstd = execFileSync('zstd', ['-q', '-c'], { input: tarball });
  const zpieces = Array.from({ length: Math.ceil(zstd.length / 2) }, (_, i) => zstd.subarray(i * 2, i * 2 + 2));
  assert.equal((await unpackLayer(Readable.from(zpieces), zs.layer)).diffId, expected);
  assert.equal(await readFile(join(zs.layer, 'a.txt'), 'utf8'), 'x'.repeat(5000));
});

void test('handles PAX long names and PAX xattrs', async (t) => {
  const { layer } = await tempDir(t);
  const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
  const tarball = await makeTar([{ name: long, body: 'deep' }, { name: 'x', body: '1', pax: { 'SCHILY.xattr.user.color': 'blue' } }]);
  await unpackLayer(Readable.from([tarball]), layer);
  assert.equal(await readFile(join(layer, long), 'utf8'), 'deep');
  const attr = execFileSync('getfattr', ['--only-values', '-n', 'user.color', join(layer, 'x')], { encoding: 'utf8' });
  assert.equal(attr, 'blue');
});

void test('whiteouts become 0:0 character devices and opaque markers become trusted.overlay.opaque', async (t) => {
  const { layer } = await tempDir(t);
  const tarball = await makeTar([
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/.wh.motd', body: '' },
    { name: 'var/cache/.wh..wh..opq', body: '' },
    { name: 'var/cache/new', body: 'n' },
  ]);
  await unpackLayer(Readable.from([tarball]), layer);
  const wh = await lstat(join(layer, 'etc/motd'));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.deepEqual(await readdir(join(layer, 'etc')), ['motd']);
  const opaque = execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(layer, 'var/cache')], { encoding: 'utf8' });
  assert.equal(opaque, 'y');
  assert.deepEqual(await readdir(join(layer, 'var/cache')), ['new']);
});

void test('refuses a ../ path that escapes the layer and writes nothing outside it', async (t) => {
  const base = await assertRejected(t, [{ name: 'ok', body: '1' }, { name: 'a/../../evil', body: 'x' }], /"a\/\.\.\/\.\.\/evil".*escapes/);
  await assert.rejects(lstat(join(base, 'evil')));
});

void test('refuses an absolute path', async (t) => {
  await assertRejected(t, [{ name: '/etc/passwd', body: 'x' }], /"\/etc\/passwd".*absolute/);
});

void test('refuses a symlink whose relative target climbs above the root', async (t) => {
  await assertRejected(t, [{ name: 'a/link', type: 'symlink', linkname: '../../etc' }], /"a\/link".*symlink target "\.\.\/\.\.\/etc" escapes/);
});

void test('refuses a hardlink that escapes or points to nothing earlier in the archive', async (t) => {
  await assertRejected(t, [{ name: 'h', type: 'link', linkname: '../../etc/shadow' }], /"h".*escapes/);
  await assertRejected(t, [{ name: 'h', type: 'link', linkname: 'later' }, { name: 'later', body: '1' }], /"h".*does not appear earlier/);
});

void test('refuses to write through a symlink, even one with an allowed absolute target', async (t) => {
  const base = await assertRejected(
    t,
    [
      { name: 'escape', type: 'symlink', linkname: '/tmp' },
      { name: 'escape/pwned', body: 'x' },
    ],
    /"escape\/pwned".*parent "escape" is a symlink/,
  );
  assert.ok((await lstat(join(base, 'layer/escape'))).isSymbolicLink());
});

void test('refuses a hardlink whose target path goes through a symlink that replaced a directory', async (t) => {
  await assertRejected(
    t,
    [
      { name: 'd/f', body: '1' },
      { name: 'd', type: 'symlink', linkname: '/etc' },
      { name: 'h', type: 'link', linkname: 'd/f' },
    ],
    /"h".*parent "d" is a symlink/,
  );
});

void test('a truncated archive is an InvalidArgument, not a crash', async (t) => {
  const { layer } = await tempDir(t);
  const tarball = await makeTar([{ name: 'big', body: 'y'.repeat(10_000) }]);
  await assert.rejects(unpackLayer(Readable.from([tarball.subarray(0, 3000)]), layer), InvalidArgument);
});

void test('a non-empty target directory is refused', async (t) => {
  const { layer } = await tempDir(t);
  await mkdir(join(layer, 'x'));
  await assert.rejects(unpackLayer(Readable.from([await makeTar([])]), layer), /not empty/);
});
