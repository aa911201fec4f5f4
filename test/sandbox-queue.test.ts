/**
 * Sandbox jobs at volume and under ptrace, through the real daemon: 500 queued jobs all answered correctly,
 * and a job that tries ptrace/process_vm_readv on the host, the daemon and another job.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { api, runJob } from './fixtures/api.js';
import type { JobRecord, JobRequest, JobResult } from '../src/sandbox/index.js';


const job = (d: TestDaemon, req: JobRequest): Promise<JobResult> => runJob(d, req, 60);

// a static tracer: `attach PID...` (PTRACE_ATTACH), `read PID...` (process_vm_readv), `child` (trace its own child)
const TRACER_C = `#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "child") == 0) {
    pid_t c = fork();
    if (c == 0) { ptrace(PTRACE_TRACEME, 0, 0, 0); raise(SIGSTOP); _exit(7); }
    int st; waitpid(c, &st, 0);
    long r = ptrace(PTRACE_CONT, c, 0, 0);
    waitpid(c, &st, 0);
    printf("child: %s exit %d\\n", r == 0 ? "traced" : strerror(errno), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
  }
  for (int i = 2; i < argc; i++) {
    pid_t pid = atoi(argv[i]);
    if (strcmp(argv[1], "attach") == 0) {
      long r = ptrace(PTRACE_ATTACH, pid, 0, 0);
      printf("attach %d: %s\\n", pid, r == 0 ? "ok" : strerror(errno));
      if (r == 0) ptrace(PTRACE_DETACH, pid, 0, 0);
    } else {
      char buf[16]; struct iovec l = { buf, sizeof buf }, rm = { (void *)0x400000, sizeof buf };
      ssize_t n = process_vm_readv(pid, &l, 1, &rm, 1, 0);
      printf("read %d: %s\\n", pid, n >= 0 ? "ok" : strerror(errno));
    }
  }
  return 0;
}
`;

void describe('sandbox queue at volume, and ptrace', { timeout: 240_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startTestDaemon();
    await importBusybox(d, 'busybox');
  });
  after(async () => {
    await d?.cleanup();
  });

  void it('answers 500 queued jobs correctly', async () => {
    const jobs = Array.from({ length: 500 }, (_, i): JobRequest => ({ image: 'busybox', command: ['sh', '-c', `echo $((${i} * 3))`], priority: i % 3 }));
    const r = await api<{ jobs: JobRecord[] }>(d, 'POST', '/v1/jobs', { jobs });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.jobs.length, 500);
    const results = await Promise.all(r.body.jobs.map((j) => api<JobRecord>(d, 'GET', `/v1/jobs/${j.id}?wait=120`)));
    results.forEach((res, i) => {
      assert.equal(res.body.state, 'done', `job ${i}`);
      assert.equal(res.body.result?.status, 'ok', `job ${i}: ${JSON.stringify(res.body.result)}`);
      assert.equal(res.body.result?.stdout, `${i * 3}\n`, `job ${i}`);
    });
    const m = await api<{ completed: number; byStatus: Record<string, number>; queued: number }>(d, 'GET', '/v1/jobs/metrics');
    assert.ok(m.body.completed >= 500);
    assert.equal(m.body.queued, 0);
  });

  void it('cannot ptrace or read the memory of the host, the daemon or another job; may trace its own child', async (t) => {
    if (spawnSync('gcc', ['--version']).status !== 0) return t.skip('no gcc to build the tracer');
    const dir = await mkdtemp(join(tmpdir(), 'pure-ptrace-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'tracer.c'), TRACER_C);
    const cc = spawnSync('gcc', ['-static', '-O2', '-o', join(dir, 'tracer'), join(dir, 'tracer.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const tracer = { path: 'tracer', content: (await readFile(join(dir, 'tracer'))).toString('base64'), executable: true };
    // another job, sleeping meanwhile: its host pid is what a tracer would need
    const other = await api<JobRecord>(d, 'POST', '/v1/jobs', { image: 'busybox', command: ['sleep', '3'], limits: { wallTimeMs: 10_000 } });
    const otherPid = await pidOfSleep();
    const targets = ['1', String(d.proc.pid ?? 0), String(process.pid), String(otherPid)];
    const r = await job(d, { image: 'busybox', files: [tracer], command: ['sh', '-c', `./tracer attach ${targets.join(' ')}; ./tracer read ${targets.slice(1).join(' ')}; ./tracer child`] });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    const lines = r.stdout.trim().split('\n');
    // pid 1, the sandbox's launcher, runs as the job's uid but is not dumpable (launcher.ts); every other pid
    // is outside the sandbox's pid namespace: not even visible
    assert.equal(lines[0], 'attach 1: Operation not permitted');
    for (const [i, pid] of targets.slice(1).entries()) {
      assert.equal(lines[1 + i], `attach ${pid}: No such process`);
      assert.equal(lines[4 + i], `read ${pid}: No such process`);
    }
    assert.equal(lines[7], 'child: traced exit 7');
    const o = await api<JobRecord>(d, 'GET', `/v1/jobs/${other.body.id}?wait=30`);
    assert.equal(o.body.result?.status, 'ok', 'the other job was not disturbed');
  });

  void it('leaves nothing behind', async () => {
    d.proc.kill('SIGTERM');
    await new Promise((r) => d.proc.once('exit', r));
    const out = d.leaks();
    const runc = spawnSync('runc', ['--root', join(d.runRoot, 'sandbox'), 'list', '-q'], { encoding: 'utf8' });
    out.push(...runc.stdout.split('\n').filter(Boolean).map((id) => `sandbox runc: ${id}`));
    assert.deepEqual(out, []);
  });
});

/**
 * The host pid of the other job's `sleep 3`: a sleep whose host uid is a sandbox's job user (uid 1000 of one
 * of the 65536-wide host id ranges from 100000, host-ids.ts).
 */
async function pidOfSleep(): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const ps = spawnSync('pgrep', ['-x', 'sleep'], { encoding: 'utf8' });
    for (const pid of ps.stdout.trim().split('\n').map(Number)) {
      if (!Number.isInteger(pid) || pid <= 0) continue;
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      if (uid >= 101_000 && (uid - 101_000) % 65_536 === 0) return pid;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the other job\'s sleep never appeared');
}
