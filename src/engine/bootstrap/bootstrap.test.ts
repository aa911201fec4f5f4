import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../state/index.js';
import { ImageService, type TransferEvent } from '../image/index.js';
import { bootstrapBusybox, bootstrapDebian } from './index.js';

// Stands in for debootstrap (the real one needs the Debian mirror and minutes; docs/images.md shows a real
// run): it prints debootstrap-like lines, checks its argv, and lays out a tiny tree in the target.
const FAKE_DEBOOTSTRAP = `#!/bin/sh
echo "ARGS: $*"
for a in "$@"; do prev2="$prev"; prev="$a"; done
target="$prev2"
echo "I: Retrieving InRelease"
case "$*" in *" fail "*) echo "E: Failed getting release file" >&2; exit 1;; esac
mkdir -p "$target/etc" "$target/bin" "$target/var/lib/apt/lists" "$target/dev"
echo 12.99 > "$target/etc/debian_version"
echo junk > "$target/var/lib/apt/lists/deb.debian.org_Packages"
mknod "$target/dev/null" c 1 3
echo "I: Base system installed successfully."
`;

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string; images: ImageService; fake: string }> {
  const root = await mkdtemp(join(tmpdir(), 'pure-bootstrap-'));
  const db = openDatabase(join(root, 'state.db'));
  t.after(async () => {
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  const fake = join(root, 'fake-debootstrap');
  await writeFile(fake, FAKE_DEBOOTSTRAP);
  await chmod(fake, 0o755);
  return { root, images: new ImageService({ root, db }), fake };
}

void test('debian bootstrap streams debootstrap lines, passes minbase, includes and mirror, and imports one layer with Cmd bash', async (t) => {
  const { images, fake, root } = await setup(t);
  const events: TransferEvent[] = [];
  const image = await bootstrapDebian(images, 'debian:bookworm', { debootstrap: fake, include: ['curl', 'ca-certificates'], mirror: 'http://mirror.example/debian', onProgress: (e) => events.push(e) });
  const lines = events.map((e) => e.message);
  assert.equal(lines[0]?.replace(/ \/\S+\/rootfs /, ' ROOTFS '), 'ARGS: --variant=minbase --include=curl,ca-certificates bookworm ROOTFS http://mirror.example/debian');
  assert.deepEqual(lines.slice(1), ['I: Retrieving InRelease', 'I: Base system installed successfully.']);
  assert.ok(events.every((e) => e.status === 'debootstrap'));
  assert.deepEqual(image.config.Cmd, ['bash']);
  assert.deepEqual(image.repoTags, ['debian:bookworm']);
  const [layer] = images.layerDirs(image);
  assert.ok(layer);
  assert.deepEqual(await readdir(join(layer, 'var/lib/apt/lists')), [], 'apt lists are dropped');
  assert.deepEqual(await readdir(join(layer, 'dev')), [], 'device nodes are the runtime\'s to make');
  assert.deepEqual((await readdir(join(root, 'tmp'))).filter((n) => n.startsWith('load-')), []);
});

void test('a failing debootstrap is one error with its last line, and leaves no image and no scratch dir', async (t) => {
  const { images, fake, root } = await setup(t);
  await assert.rejects(bootstrapDebian(images, 'debian:fail', { debootstrap: fake }), (e: Error & { code?: string }) => {
    assert.equal(e.message, 'cannot bootstrap "debian:fail": debootstrap failed (exit 1): E: Failed getting release file');
    assert.equal(e.code, 'unavailable');
    return true;
  });
  await assert.rejects(bootstrapDebian(images, 'debian:bookworm', { debootstrap: join(root, 'missing') }), /is not installed \(apt-get install debootstrap\)/);
  assert.deepEqual(images.list(), []);
  assert.deepEqual((await readdir(join(root, 'tmp'))).filter((n) => n.startsWith('load-')), []);
});

void test('busybox bootstrap twice gives the same layer, and a missing busybox says what to install', async (t) => {
  const { images, root } = await setup(t);
  const a = await bootstrapBusybox(images, 'busybox:a');
  const b = await bootstrapBusybox(images, 'busybox:b');
  assert.deepEqual(a.layers, b.layers);
  await assert.rejects(bootstrapBusybox(images, 'busybox:c', { busybox: join(root, 'nope') }), /install busybox-static/);
  assert.deepEqual(images.list().map((i) => i.repoTags).flat().sort(), ['busybox:a', 'busybox:b']);
});

void test('a daemon start unmounts and removes a bootstrap scratch dir that a killed debootstrap left mounts in', async (t) => {
  const { root } = await setup(t);
  const proc = join(root, 'tmp/load-killed/rootfs/proc');
  await mkdir(proc, { recursive: true });
  execFileSync('mount', ['-t', 'proc', 'proc', proc]);
  const db = openDatabase(join(root, 'again.db'));
  try {
    new ImageService({ root, db });
  } finally {
    db.close();
    // setup's own cleanup removes the root: the mount must be gone first even when the service failed
    if (readFileSync('/proc/self/mountinfo', 'utf8').includes(proc)) {
      execFileSync('umount', ['-l', proc]);
      assert.fail('the proc mount was left');
    }
  }
  assert.ok(!existsSync(join(root, 'tmp/load-killed')));
});
