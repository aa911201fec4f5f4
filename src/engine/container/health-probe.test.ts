/**
 * The probe runner with host processes standing in for `runc exec` (the pid file written by the test, as runc
 * would): output bound, exit codes, the kill at the timeout or on abort, and the cgroup check that keeps a pid
 * that is not (or no longer) the container's from being killed. The real runc path: test/health-events.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEALTH_OUTPUT_LIMIT, PROBE_NOT_RUN } from './health.js';
import { runProbe } from './health-probe.js';

/** This process's own cgroup path (any hierarchy): a child of ours is "in the container" for the check. */
async function ownCgroup(): Promise<string> {
  const line = (await readFile('/proc/self/cgroup', 'utf8')).split('\n').find((l) => l.trim() !== '') ?? '';
  return line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function withDir(fn: (pidFile: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pure-probe-'));
  try {
    await fn(join(dir, 'probe.pid'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Spawn `sh -c script` and write its pid where the runner looks, as runc --pid-file would. Synchronously, as
 * RuntimePort.exec hands the child back: the runner must get it before any of its events.
 */
const shell = (script: string, pidFile: string, pidOf?: (child: ChildProcess) => number) => (): Promise<ChildProcess> => {
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  writeFileSync(pidFile, `${pidOf ? pidOf(child) : child.pid}`);
  return Promise.resolve(child);
};

void test('exit code and output (stdout and stderr, cut to 4 KiB) come back', async () => {
  await withDir(async (pidFile) => {
    const cgroupsPath = await ownCgroup();
    const r = await runProbe(shell('echo out; echo err >&2; exit 3', pidFile), { timeoutMs: 10_000, pidFile, cgroupsPath });
    assert.equal(r.exitCode, 3);
    assert.match(r.output, /out\n/);
    assert.match(r.output, /err\n/);
    const big = await runProbe(shell('head -c 100000 /dev/zero | tr "\\0" x', pidFile), { timeoutMs: 10_000, pidFile, cgroupsPath });
    assert.equal(big.exitCode, 0);
    assert.equal(big.output.length, HEALTH_OUTPUT_LIMIT);
  });
});

void test('a probe past its timeout is killed by its pid and reads as exit -1', async () => {
  await withDir(async (pidFile) => {
    const r = await runProbe(shell('exec sleep 30', pidFile), { timeoutMs: 100, pidFile, cgroupsPath: await ownCgroup(), reapGraceMs: 60_000 });
    assert.deepEqual(r, { exitCode: PROBE_NOT_RUN, output: 'Health check exceeded timeout (100ms)' });
  });
});

void test('an abort kills the probe as a timeout does', async () => {
  await withDir(async (pidFile) => {
    const ac = new AbortController();
    const running = runProbe(shell('exec sleep 30', pidFile), { timeoutMs: 60_000, signal: ac.signal, pidFile, cgroupsPath: await ownCgroup(), reapGraceMs: 60_000 });
    setTimeout(() => ac.abort(), 100);
    assert.equal((await running).exitCode, PROBE_NOT_RUN);
  });
});

void test('a pid that is not in the container\'s cgroup is left alone; the runtime child is killed after the grace', async () => {
  await withDir(async (pidFile) => {
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const r = await runProbe(shell('exec sleep 30', pidFile, () => victim.pid ?? 0), { timeoutMs: 100, pidFile, cgroupsPath: '/pure/not-this-one', reapGraceMs: 100 });
      assert.equal(r.exitCode, PROBE_NOT_RUN);
      assert.ok(alive(victim.pid ?? 0), 'the pid outside the cgroup was not killed');
    } finally {
      victim.kill('SIGKILL');
    }
  });
});

void test('a runtime that cannot start is a failed probe, not a throw', async () => {
  await withDir(async (pidFile) => {
    const r = await runProbe(() => Promise.reject(new Error('cannot exec in a stopped container')), { timeoutMs: 100, pidFile, cgroupsPath: '/x' });
    assert.deepEqual(r, { exitCode: PROBE_NOT_RUN, output: 'cannot exec in a stopped container' });
  });
});
