/**
 * Sandbox jobs through the real daemon (runc, user namespaces, cgroups, tmpfs): ordinary jobs, the
 * hostile-job suite of issue 5, the queue, and nothing left behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { api, b64, runJob } from './fixtures/api.js';
import type { JobRecord, JobRequest, JobResult } from '../src/sandbox/index.js';


const job = (d: TestDaemon, req: JobRequest): Promise<JobResult> => runJob(d, req, 60);

const sh = (script: string, more: Partial<JobRequest> = {}): JobRequest => ({ image: 'busybox', command: ['sh', '-c', script], ...more });

function sandboxLeaks(d: TestDaemon): string[] {
  const out = d.leaks();
  const runc = spawnSync('runc', ['--root', join(d.runRoot, 'sandbox'), 'list', '-q'], { encoding: 'utf8' });
  out.push(...runc.stdout.split('\n').filter(Boolean).map((id) => `sandbox runc: ${id}`));
  return out;
}

void describe('sandbox jobs', { timeout: 240_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startTestDaemon();
    await importBusybox(d, 'busybox');
  });
  after(async () => {
    await d?.cleanup();
  });

  void it('runs an ordinary job: stdout, stderr, exit code, usage', async () => {
    const r = await job(d, sh('echo hi; echo err >&2; id -u'));
    assert.equal(r.status, 'ok');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'hi\n1000\n');
    assert.equal(r.stderr, 'err\n');
    assert.ok(r.peakMemoryBytes > 0);
  });

  void it('reports a non-zero exit as runtime_error with its code, and a signal by name', async () => {
    assert.deepEqual((({ status, exitCode }) => ({ status, exitCode }))(await job(d, sh('exit 3'))), { status: 'runtime_error', exitCode: 3 });
    const seg = await job(d, sh('kill -SEGV $$'));
    assert.equal(seg.status, 'runtime_error');
    assert.equal(seg.signal, 'SIGSEGV');
    assert.equal(seg.stderr, '');
  });

  void it('feeds stdin, places files, and collects results', async () => {
    const r = await job(d, sh('cat; cat in.txt; tr a-z A-Z < in.txt > out/res.txt', {
      stdin: b64('from stdin\n'),
      files: [{ path: 'in.txt', content: b64('hello\n') }, { path: 'out/keep', content: '' }],
      collect: ['out/res.txt'],
    }));
    assert.equal(r.status, 'ok');
    assert.equal(r.stdout, 'from stdin\nhello\n');
    assert.equal(Buffer.from(r.files[0]?.content ?? '', 'base64').toString(), 'HELLO\n');
  });

  void it('truncates a large output at the limit and flags it', async () => {
    const r = await job(d, sh('yes 0123456789'), );
    assert.equal(r.status, 'output_limit');
    assert.equal(r.stdoutTruncated, true);
    assert.equal(r.stdout.length, 1024 * 1024);
    const small = await job(d, sh('head -c 5000 /dev/zero; echo; exit 0', { limits: { outputBytes: 100 } }));
    assert.equal(small.status, 'output_limit');
    assert.equal(small.stdout.length, 100);
  });

  void it('stops an infinite loop at the CPU limit and a sleeper at the wall limit', async () => {
    const cpu = await job(d, sh('while :; do :; done', { limits: { cpuTimeMs: 300, wallTimeMs: 10_000 } }));
    assert.equal(cpu.status, 'time_limit');
    assert.ok(cpu.cpuTimeMs >= 300, `cpu ${cpu.cpuTimeMs}`);
    const wall = await job(d, sh('sleep 30', { limits: { wallTimeMs: 300 } }));
    assert.equal(wall.status, 'wall_time_limit');
    assert.ok(wall.wallTimeMs < 10_000);
  });

  void it('stops a memory bomb with memory_limit (no swap)', async () => {
    const r = await job(d, sh('x=a; while :; do x=$x$x; done', { limits: { memoryBytes: 32 * 1024 * 1024 } }));
    assert.equal(r.status, 'memory_limit');
    assert.ok(r.peakMemoryBytes <= 32 * 1024 * 1024);
  });

  void it('contains a fork bomb within the pids limit while another job runs normally', async () => {
    const [bomb, other] = await Promise.all([
      job(d, sh('f(){ f | f; }; f', { limits: { pids: 16, wallTimeMs: 2000 } })),
      job(d, sh('echo fine')),
    ]);
    assert.ok(['runtime_error', 'wall_time_limit'].includes(bomb.status), bomb.status);
    assert.equal(other.status, 'ok');
    assert.equal(other.stdout, 'fine\n');
  });

  void it('reports disk_limit when the workspace is full, of bytes or of inodes', async () => {
    const bytes = await job(d, sh('dd if=/dev/zero of=/work/big bs=64k count=100', { limits: { diskBytes: 1024 * 1024 } }));
    assert.equal(bytes.status, 'disk_limit');
    const inodes = await job(d, sh('i=0; while touch /tmp/f$i; do i=$((i+1)); done; exit 1', { limits: { diskInodes: 100 } }));
    assert.equal(inodes.status, 'disk_limit');
  });

  void it('has no network but loopback, no capabilities, a read-only rootfs, /proc/sys and /sys', async () => {
    const r = await job(d, sh([
      'ip -o link | cut -d: -f2 | tr -d " "',
      'grep CapEff /proc/self/status',
      'touch /bin/x 2>/dev/null || echo rootfs-ro',
      'echo 1 > /proc/sys/kernel/hostname 2>/dev/null || echo procsys-ro',
      'echo 1 > /sys/kernel/uevent_helper 2>/dev/null || echo sys-ro',
      'mount -t tmpfs x /tmp 2>/dev/null || echo no-mount',
      'mknod /tmp/null c 1 3 2>/dev/null || echo no-mknod',
      'wget -q -T 1 http://10.0.0.1/ 2>/dev/null || echo no-net',
      'unshare -U true 2>/dev/null || echo no-userns',
    ].join('\n')));
    assert.equal(r.stdout, 'lo\nCapEff:\t0000000000000000\nrootfs-ro\nprocsys-ro\nsys-ro\nno-mount\nno-mknod\nno-net\nno-userns\n');
  });

  void it("gives a network only when asked, and then its own on the bridge, not the host's", async () => {
    const r = await job(d, sh("ip -o link | cut -d: -f2 | tr -d ' @' | sed 's/if[0-9]*$//'", { network: true }));
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, 'lo\neth0\n');
  });

  void it('sees no host process and no other job, and cannot signal the daemon', async () => {
    const daemonPid = d.proc.pid ?? 0;
    const [a, b] = await Promise.all([
      job(d, sh('echo secret > /work/secret-a; sleep 1; ls /work', { limits: { wallTimeMs: 5000 } })),
      job(d, sh(`sleep 0.3; find / -name 'secret-*' 2>/dev/null; ps -o pid= | wc -l; kill -0 ${daemonPid} 2>/dev/null && echo reached || echo unreachable`)),
    ]);
    assert.equal(a.stdout, 'secret-a\n');
    const lines = b.stdout.trim().split('\n');
    assert.deepEqual([lines.length, lines[1]], [2, 'unreachable'], b.stdout);
    assert.ok(Number(lines[0]) <= 4, `processes seen: ${lines[0]}`);
  });

  void it('leaves no process behind after the job ends', async () => {
    const r = await job(d, sh('sleep 4321 & echo started'));
    assert.equal(r.status, 'ok');
    const left = spawnSync('pgrep', ['-f', 'sleep 4321'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '');
  });

  void it('refuses planted symlinks and FIFOs when collecting files', async () => {
    const r = await job(d, sh('ln -s /etc/passwd link; mkfifo fifo; ln -s / root; echo ok > real', { collect: ['link', 'fifo', 'root/etc/passwd', 'real', 'missing'] }));
    const byPath = Object.fromEntries(r.files.map((f) => [f.path, f.error ?? Buffer.from(f.content ?? '', 'base64').toString()]));
    assert.deepEqual(byPath, {
      link: 'refused: a symbolic link',
      fifo: 'refused: not a regular file',
      'root/etc/passwd': 'refused: a symbolic link',
      real: 'ok\n',
      missing: 'no such file',
    });
  });

  void it('refuses bad input with 400/404 and makes nothing', async () => {
    const bad = await api<{ code: string; message: string }>(d, 'POST', '/v1/jobs', { command: [] });
    assert.equal(bad.status, 400);
    const limit = await api<{ code: string; message: string }>(d, 'POST', '/v1/jobs', { command: ['true'], limits: { memoryBytes: 1 } });
    assert.equal(limit.status, 400);
    assert.match(limit.body.message, /memoryBytes/);
    const img = await api<{ code: string }>(d, 'POST', '/v1/jobs', { image: 'nope:1', command: ['true'] });
    assert.equal(img.status, 404);
    const path = await api<{ code: string }>(d, 'POST', '/v1/jobs', { command: ['true'], files: [{ path: '../../etc/x', content: '' }] });
    assert.equal(path.status, 400);
  });

  void it('answers 100 queued jobs correctly, higher priority first', async () => {
    const jobs = Array.from({ length: 100 }, (_, i) => sh(`echo $((${i} * ${i}))`, { priority: i === 99 ? 10 : 0 }));
    const r = await api<{ jobs: JobRecord[] }>(d, 'POST', '/v1/jobs', { jobs });
    assert.equal(r.status, 202);
    const done = await Promise.all(r.body.jobs.map((j) => api<JobRecord>(d, 'GET', `/v1/jobs/${j.id}?wait=120`)));
    done.forEach((res, i) => {
      assert.equal(res.body.result?.status, 'ok', JSON.stringify(res.body.result));
      assert.equal(res.body.result?.stdout, `${i * i}\n`);
    });
    const last = done[99]!.body;
    const first = done[0]!.body;
    assert.ok((last.startedAt ?? 0) <= (done[50]!.body.startedAt ?? 0), 'priority 10 started before the middle of the queue');
    assert.ok(first.finishedAt);
    const m = await api<{ completed: number; pool: { hits: number } }>(d, 'GET', '/v1/jobs/metrics');
    assert.ok(m.body.completed >= 100);
    assert.ok(m.body.pool.hits > 0, 'warm sandboxes were used');
  });

  void it('prints the result JSON from `pure sandbox run` and runs cold with --no-warm', () => {
    const r = d.pure(['sandbox', 'run', '--image', 'busybox', '--no-warm', '--memory', '64m', '--', 'sh', '-c', 'echo $((6*7))']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as JobResult;
    assert.equal(res.status, 'ok');
    assert.equal(res.stdout, '42\n');
    assert.equal(res.warm, false);
  });

  void it('keeps accepted jobs across a kill -9 of the daemon', async () => {
    const r = await api<{ jobs: JobRecord[] }>(d, 'POST', '/v1/jobs', { jobs: Array.from({ length: 6 }, (_, i) => sh(`sleep 0.2; echo ${i}`)) });
    await d.kill9();
    await d.restart();
    for (const [i, j] of r.body.jobs.entries()) {
      const done = await api<JobRecord>(d, 'GET', `/v1/jobs/${j.id}?wait=60`);
      assert.equal(done.body.state, 'done');
      assert.equal(done.body.result?.status, 'ok');
      assert.equal(done.body.result?.stdout, `${i}\n`);
    }
  });

  void it('leaves nothing behind: mounts, runc state, cgroups', async () => {
    // the pool's warm sandboxes are the daemon's until it stops
    d.proc.kill('SIGTERM');
    await new Promise((r) => d.proc.once('exit', r));
    assert.deepEqual(sandboxLeaks(d), []);
  });
});
