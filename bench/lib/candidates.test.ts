/**
 * The candidates against the real runc and, when it is running, the real dockerd: they must really succeed,
 * really fail when the container fails, and leave nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { codeOf } from '../../src/errors/index.js';
import { cliCandidate } from './command.js';
import { runcRunCandidate } from './runc-bundle.js';
import { dockerApi, lifecycleCandidate } from './engine-api.js';
import { listProcesses } from './procfs.js';
import { PEERS } from './peers.js';

const benchDirs = async (): Promise<string[]> => (await readdir(tmpdir())).filter((n) => n.startsWith('pure-bench-runc-'));

void test('runc run candidate runs true in its own bundle and teardown removes every file', async (t) => {
  const before = await benchDirs();
  const c = runcRunCandidate('runc');
  t.after(() => c.teardown?.());
  await c.setup!();
  const created = (await benchDirs()).filter((d) => !before.includes(d));
  assert.equal(created.length, 1);
  await c.run();
  await c.run();
  await c.teardown!();
  assert.deepEqual((await benchDirs()).filter((d) => !before.includes(d)), []);
});

void test('runc run candidate rejects when the container exits non-zero', async (t) => {
  const c = runcRunCandidate('runc false', { cmd: ['false'] });
  t.after(() => c.teardown?.());
  await c.setup!();
  await assert.rejects(c.run(), /exited 1/);
});

void test('a CLI candidate whose binary is absent is unavailable at setup, with the name in the reason', async () => {
  const c = cliCandidate('nope', ['pure-bench-no-such-binary'], { binary: 'pure-bench-no-such-binary' });
  await assert.rejects(c.setup!(), (e: unknown) => codeOf(e) === 'unavailable' && /pure-bench-no-such-binary/.test(String(e)));
});

void test('docker API lifecycle runs true to exit 0 and leaves no container and no shim', async (t) => {
  const sock = await stat(PEERS.dockerSocket).catch(() => null);
  if (!sock?.isSocket()) return t.skip(`no docker socket at ${PEERS.dockerSocket}`);
  const api = dockerApi(PEERS.dockerSocket);
  const c = lifecycleCandidate('docker', api, PEERS.image);
  t.after(() => c.teardown?.());
  try {
    await c.setup!();
  } catch (e) {
    return t.skip(`docker not ready: ${String(e)}`);
  }
  const label = `pure-bench-test-${process.pid}`;
  await c.run();
  // A failing command must fail the run, and still be removed.
  const failing = lifecycleCandidate('docker false', api, PEERS.image, ['sh', '-c', `exit 3 # ${label}`]);
  await assert.rejects(failing.run(), /exited 3/);
  const left = await api.client.ok('GET', '/containers/json?all=1');
  assert.ok(Array.isArray(left));
  assert.equal(JSON.stringify(left).includes(label), false, 'the failed container was removed');
  const shims = (await listProcesses()).filter((p) => p.comm === 'containerd-shim' && p.argv.join(' ').includes(label));
  assert.deepEqual(shims, []);
});
