/**
 * Against the real kernel: cgroups made by hand (mkdir in the v1 controllers), a busybox shell moved into them.
 * No runc here. Every cgroup and process is cleaned up in t.after, even when an assertion fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupReader, detectCgroupMode } from './index.js';

const ROOT = '/sys/fs/cgroup';
const BUSYBOX = '/usr/bin/busybox';
const mode = await detectCgroupMode();
const v1 = mode !== 'v2';

/** Kill every process left in the cgroup (the memory hierarchy lists them all) until it is empty. */
async function killAll(cgroupDir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    let pids: string[];
    try {
      pids = (await readFile(join(cgroupDir, 'cgroup.procs'), 'utf8')).split('\n').filter((p) => p !== '');
    } catch {
      return;
    }
    if (pids.length === 0) return;
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(20);
  }
}

/** A busybox shell that first moves itself into every cgroup.procs file given, then runs `script`. */
function shellIn(procsFiles: string[], script: string): ChildProcess {
  const full = `for f in $CG_PROCS; do echo $$ > "$f" || exit 99; done; ${script}`;
  return spawn(BUSYBOX, ["sh", "-c", full], {
    env: { CG_PROCS: procsFiles.join(' '), PATH: '/usr/bin:/bin' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function waitForLine(child: ChildProcess, want: string): Promise<void> {
  let buf = '';
  for await (const chunk of child.stdout!) {
    buf += String(chunk);
    if (buf.includes(want)) return;
  }
  throw new Error(`child exited before printing ${want}; got ${JSON.stringify(buf)}`);
}

function uniqueParent(): string {
  return `/pure-test-${randomBytes(4).toString('hex')}`;
}

void test('detectCgroupMode reports the layout this host mounts', async () => {
  const unified = await access(join(ROOT, 'unified', 'cgroup.controllers')).then(() => true, () => false);
  const top = await access(join(ROOT, 'cgroup.controllers')).then(() => true, () => false);
  assert.equal(mode, top ? 'v2' : unified ? 'hybrid' : 'v1');
});

void test('stats read memory, pids and cpu of processes in a v1 cgroup, then remove deletes it everywhere', { skip: !v1 && 'v1/hybrid host only' }, async (t) => {
  const parent = uniqueParent();
  const path = `${parent}/c1`;
  const reader = new CgroupReader({ mode });
  const controllers = ['memory', 'pids', 'cpuacct'];
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await killAll(join(ROOT, 'memory', path));
    await reader.remove(path).catch(() => undefined);
    await reader.remove(parent).catch(() => undefined);
  });
  for (const c of controllers) await mkdir(join(ROOT, c, path), { recursive: true });
  if (mode === 'hybrid') await mkdir(join(ROOT, 'unified', path), { recursive: true });
  await writeFile(join(ROOT, 'pids', path, 'pids.max'), '50');

  assert.equal(await reader.exists(path), true);
  assert.deepEqual(await reader.listCgroups(parent), [path]);

  // The shell keeps an 8 MB string in memory, and a sleeping child: two processes, real anonymous memory.
  const child = shellIn(
    controllers.map((c) => join(ROOT, c, path, 'cgroup.procs')),
    'x=$(head -c 8000000 /dev/zero | tr "\\0" a); sleep 1000 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo ready; read line',
  );
  children.push(child);
  await waitForLine(child, 'ready');

  const s = await reader.stats(path);
  assert.ok(s, 'stats of an existing cgroup');
  assert.ok(s.memoryUsage > 8_000_000, `memoryUsage ${s.memoryUsage} should include the 8 MB string`);
  assert.equal(s.pids, 2);
  assert.equal(s.pidsLimit, 50);
  assert.equal(s.memoryLimit, null, 'no memory limit was set');
  assert.ok(s.cpuUsageNs > 0, 'the busy loop used CPU');
  assert.ok(s.memoryPeak !== undefined && s.memoryPeak >= s.memoryUsage);
  assert.equal(await reader.oomKilled(path), false);

  await assert.rejects(reader.remove(path), { code: 'conflict' }, 'a populated cgroup cannot be removed');

  child.kill('SIGKILL');
  await killAll(join(ROOT, 'memory', path));
  await reader.remove(path);
  await reader.remove(path); // idempotent
  assert.equal(await reader.exists(path), false);
  assert.equal(await reader.stats(path), null);
  for (const c of [...controllers, ...(mode === 'hybrid' ? ['unified'] : [])]) {
    await assert.rejects(access(join(ROOT, c, path)), { code: 'ENOENT' }, `${c} hierarchy still has ${path}`);
  }
  assert.deepEqual(await reader.listCgroups(parent), []);
});

void test('oomKilled turns true after the kernel kills a memory hog over its limit', { skip: !v1 && 'v1/hybrid host only' }, async (t) => {
  const parent = uniqueParent();
  const path = `${parent}/hog`;
  const reader = new CgroupReader({ mode });
  const memDir = join(ROOT, 'memory', path);
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await killAll(memDir);
    await reader.remove(path).catch(() => undefined);
    await reader.remove(parent).catch(() => undefined);
  });
  await mkdir(memDir, { recursive: true });
  const limit = 16 * 1024 * 1024;
  await writeFile(join(memDir, 'memory.limit_in_bytes'), String(limit));
  // Without swap accounting capped too, the hog could swap instead of being killed.
  await writeFile(join(memDir, 'memory.memsw.limit_in_bytes'), String(limit)).catch(() => undefined);

  assert.equal((await reader.stats(path))?.memoryLimit, limit);
  const child = shellIn([join(memDir, 'cgroup.procs')], 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived');
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  assert.equal(out.includes('survived'), false, `the hog should not survive (exit ${code}, signal ${signal})`);
  assert.equal(await reader.oomKilled(path), true);
});

void test('listCgroups finds every child of a parent and nothing for a missing parent', { skip: !v1 && 'v1/hybrid host only' }, async (t) => {
  const parent = uniqueParent();
  const reader = new CgroupReader({ mode });
  t.after(async () => {
    await reader.remove(parent).catch(() => undefined);
  });
  await mkdir(join(ROOT, 'memory', parent, 'a'), { recursive: true });
  await mkdir(join(ROOT, mode === 'hybrid' ? 'unified' : 'memory', parent, 'b'), { recursive: true });
  assert.deepEqual(await reader.listCgroups(parent), [`${parent}/a`, `${parent}/b`]);
  await reader.remove(parent);
  assert.deepEqual(await reader.listCgroups(parent), []);
});

void test('cgroup paths that could escape the hierarchy are refused', async () => {
  const reader = new CgroupReader({ mode });
  await assert.rejects(reader.remove('/'), { code: 'invalid_argument' });
  await assert.rejects(reader.remove('/pure/../../etc'), { code: 'invalid_argument' });
  await assert.rejects(reader.stats('pure/x'), { code: 'invalid_argument' });
});
