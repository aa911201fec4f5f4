/**
 * The daemon on the copy snapshotter (the fallback where overlayfs cannot mount): containers run, their writes
 * stay out of the shared layers, and removal frees the disk.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startTestDaemon({ snapshotter: 'copy' });
  await importBusybox(d);
});
after(async () => {
  await d.cleanup();
});

void test('a container on the copy snapshotter runs, writes privately, and rm frees its copy', () => {
  const info = JSON.parse(d.pure(['version', '--format', 'json']).stdout) as { server?: { snapshotter?: string }; snapshotter?: string };
  assert.equal(info.server?.snapshotter ?? info.snapshotter, 'copy');
  const r = d.pure(['run', '--name', 'copier', 'busybox', 'sh', '-c', 'echo private > /etc/written; cat /etc/written']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'private\n');
  const [c] = JSON.parse(d.pure(['inspect', 'copier']).stdout) as [{ id: string; snapshotter: string }];
  assert.equal(c.snapshotter, 'copy');
  for (const layer of readdirSync(join(d.root, 'layers'))) {
    assert.equal(existsSync(join(d.root, 'layers', layer, 'etc', 'written')), false, 'the layer is untouched');
  }
  assert.equal(d.pure(['run', '--rm', 'busybox', 'cat', '/etc/written']).code, 1, 'another container does not see it');
  assert.equal(d.pure(['rm', 'copier']).code, 0);
  assert.equal(existsSync(join(d.root, 'containers', c.id)), false);
  assert.deepEqual(d.leaks(), []);
});
