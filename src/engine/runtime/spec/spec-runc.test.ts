/**
 * The spec buildSpec writes is one runc 1.1.5 accepts and enforces: run a busybox container with it and look
 * from the inside. Cleans the runc container, its cgroups and the temp dir even when an assertion fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../../../lib/index.js';
import { CgroupReader, detectCgroupMode } from '../../cgroup/index.js';
import { makeBusyboxRootfs } from '../../../../test/fixtures/busybox.js';
import { buildSpec, findInitBinary, nofileCeiling, resolveUser } from './index.js';
import type { SpecOptions } from './index.js';

const RUNC = '/usr/sbin/runc';

async function runContainer(t: { after: (fn: () => Promise<void>) => void }, opts: Omit<SpecOptions, 'id' | 'rootfs' | 'cgroupsPath'>, user?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'pure-spec-runc-'));
  const id = `spec-${randomBytes(4).toString('hex')}`;
  const parent = `/pure-spec-test-${randomBytes(4).toString('hex')}`;
  const state = join(dir, 'state');
  const reader = new CgroupReader({ mode: await detectCgroupMode() });
  t.after(async () => {
    await run(RUNC, ['--root', state, 'delete', '-f', id], { check: false });
    await reader.remove(parent).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const rootfs = join(dir, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  const spec = buildSpec({
    ...opts,
    id,
    rootfs,
    cgroupsPath: `${parent}/${id}`,
    kernelRelease: release(),
    nofileCeiling: await nofileCeiling(),
    ...(user !== undefined ? { user: await resolveUser(rootfs, user) } : {}),
  });
  await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
  return run(RUNC, ['--root', state, 'run', '--bundle', dir, id], { check: false });
}

void test('runc runs the built spec: Docker caps, seccomp denies unshare, hostname, limits, init as pid 1', async (t) => {
  const script = [
    'grep CapEff /proc/self/status',
    'hostname',
    'unshare -n true 2>/dev/null; echo unshare=$?',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    'cat /sys/fs/cgroup/pids/pids.max',
    'cat /proc/1/cmdline | tr "\\0" " "; echo',
    'ip link 2>/dev/null | grep -c "^[0-9]"',
  ].join('; ');
  const r = await runContainer(t, {
    args: ['/bin/sh', '-c', script],
    hostname: 'spectest',
    init: true,
    initPath: await findInitBinary(),
    limits: { memory: 64 * 1024 * 1024, pidsLimit: 50 },
  });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
  assert.equal(lines[0], 'CapEff:\t00000000a80425fb');
  assert.equal(lines[1], 'spectest');
  assert.equal(lines[2], 'unshare=1');
  assert.equal(lines[3], String(64 * 1024 * 1024));
  assert.equal(lines[4], '50');
  assert.match(lines[5] ?? '', /^\/dev\/init -- \/bin\/sh -c /);
  assert.equal(lines[6], '1', 'a fresh network namespace has only lo');
});

void test('runc runs the built spec as the image user resolved from /etc/passwd, read-only rootfs enforced', async (t) => {
  const r = await runContainer(t, { args: ['/bin/sh', '-c', 'id -u; id -g; touch /x 2>/dev/null; echo touch=$?'], readonlyRootfs: true }, 'app');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['1000', '1000', 'touch=1']);
});
