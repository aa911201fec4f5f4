/** Overlay-only behaviour; the shared contract is in testsuite.ts (run by overlay.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeWorld } from './testsuite.js';

const hex = (i: number) => createHash('sha256').update(String(i)).digest('hex');

async function stack(w: Awaited<ReturnType<typeof makeWorld>>, names: string[]): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, name] of names.entries()) dirs.push(await w.layer(name, { [`from-${i}`]: String(i), f: String(i) }));
  return dirs;
}

void test('sixty layers named by sha256 chain ids mount, top layer winning', async (t) => {
  const w = await makeWorld(t, 'overlay');
  const names = Array.from({ length: 60 }, (_, i) => hex(i));
  const rootfs = await w.sn.prepare('c1', await stack(w, names));
  assert.equal(await readFile(join(rootfs, 'f'), 'utf8'), '59');
  const files = await readdir(rootfs);
  for (let i = 0; i < 60; i++) assert.ok(files.includes(`from-${i}`), `layer ${i} is visible`);
  // 60 × 65 bytes of chain ids exceed the page even relative to layers/: the short-symlink form was used.
  assert.equal((await readdir(join(w.tmp, 'snapshots/c1/links'))).length, 60);
});

void test('sixty layers mount relative to their common parent when absolute paths are too long', async (t) => {
  const w = await makeWorld(t, 'overlay');
  const deep = `${'d'.repeat(40)}/${'e'.repeat(40)}`;
  await mkdir(join(w.tmp, 'layers', deep), { recursive: true });
  const names = Array.from({ length: 60 }, (_, i) => `${deep}/layer-${i}`);
  const rootfs = await w.sn.prepare('c1', await stack(w, names));
  assert.equal(await readFile(join(rootfs, 'f'), 'utf8'), '59');
  assert.equal(await readFile(join(rootfs, 'from-0'), 'utf8'), '0');
  assert.equal((await readdir(join(w.tmp, 'snapshots', 'c1'))).includes('links'), false);
});

void test('writes land in upper/ and survive unmount', async (t) => {
  const w = await makeWorld(t, 'overlay');
  const base = await w.layer('base', { f: 'x' });
  const rootfs = await w.sn.prepare('c1', [base]);
  await writeFile(join(rootfs, 'written'), 'w');
  await w.sn.unmount('c1');
  assert.equal(await w.sn.isMounted('c1'), false);
  assert.equal(await readFile(join(w.tmp, 'snapshots/c1/upper/written'), 'utf8'), 'w');
  assert.deepEqual(await readdir(rootfs), []);
});

void test('a caller file in the key dir survives unmount and prepare, and goes with remove', async (t) => {
  const w = await makeWorld(t, 'overlay');
  const base = await w.layer('base', { f: 'x' });
  await mkdir(join(w.tmp, 'snapshots/c1/bundle'), { recursive: true });
  await writeFile(join(w.tmp, 'snapshots/c1/bundle/config.json'), '{}');
  await w.sn.prepare('c1', [base]);
  await w.sn.unmount('c1');
  await w.sn.prepare('c1', [base]);
  assert.equal(await readFile(join(w.tmp, 'snapshots/c1/bundle/config.json'), 'utf8'), '{}');
  await w.sn.remove('c1');
  assert.deepEqual(await readdir(join(w.tmp, 'snapshots')), []);
});
