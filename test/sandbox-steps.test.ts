/**
 * Sandbox jobs of more than one sandbox, through the real daemon: test cases over a prepared workspace
 * (compile once, run many, the workspace read-only), a grading step, and callbacks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { api, b64, runJob } from './fixtures/api.js';
import type { JobRecord, JobRequest, JobResult } from '../src/sandbox/index.js';


const job = (d: TestDaemon, req: JobRequest): Promise<JobResult> => runJob(d, req, 120);

// "compiling": the prepare step turns the source into an executable program in /work
const SOURCE = 'read a b; echo $((a + b)); [ -n "$1" ] && echo "arg $1"; true\n';
const COMPILE = ['sh', '-c', '{ echo "#!/bin/sh"; cat sum.src; } > sum && chmod 755 sum && echo compiled'];

void describe('sandbox jobs with cases and a grader', { timeout: 240_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startTestDaemon();
    await importBusybox(d, 'busybox');
  });
  after(async () => {
    await d?.cleanup();
  });

  void it('compiles once and runs each case in a fresh sandbox over the read-only workspace', async () => {
    const r = await job(d, {
      image: 'busybox',
      files: [{ path: 'sum.src', content: b64(SOURCE) }],
      prepare: COMPILE,
      command: ['sh', '-c', './sum "$@"; touch /work/new 2>/dev/null && echo WROTE-WORK; echo t > /tmp/t && echo tmp-ok; ls /tmp', 'sum'],
      cases: [
        { stdin: b64('1 2\n'), expectedStdout: '3\ntmp-ok\nt\n' },
        { stdin: b64('40 2\n'), expectedStdout: 'wrong\n' },
        { stdin: b64('5 5\n'), args: ['x'] },
      ],
    });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    assert.equal(r.prepare?.status, 'ok');
    assert.equal(r.prepare?.stdout, 'compiled\n');
    assert.equal(r.cases?.length, 3);
    const [c0, c1, c2] = r.cases;
    // the workspace is read-only; each case's /tmp is its own (no t from an earlier case)
    assert.equal(c0!.stdout, '3\ntmp-ok\nt\n');
    assert.equal(c0!.passed, true);
    assert.equal(c1!.stdout, '42\ntmp-ok\nt\n');
    assert.equal(c1!.passed, false);
    assert.equal(c2!.stdout, '10\narg x\ntmp-ok\nt\n');
    assert.equal(c2!.passed, undefined);
    assert.ok(r.cases.every((c) => c.warm !== true));
  });

  void it('reports a failing prepare step (a compile error) and runs no case', async () => {
    const r = await job(d, {
      image: 'busybox',
      prepare: ['sh', '-c', 'echo "syntax error" >&2; exit 2'],
      command: ['true'],
      cases: [{ stdin: b64('x') }],
    });
    assert.equal(r.status, 'runtime_error');
    assert.equal(r.exitCode, 2);
    assert.equal(r.prepare?.stderr, 'syntax error\n');
    assert.deepEqual(r.cases, []);
  });

  void it('gives the status of the first case that failed a limit', async () => {
    const r = await job(d, {
      image: 'busybox',
      command: ['sh', '-c', 'read n; [ "$n" = loop ] && while :; do :; done; echo "$n"'],
      limits: { cpuTimeMs: 300, wallTimeMs: 3000 },
      cases: [{ stdin: b64('a\n') }, { stdin: b64('loop\n') }, { stdin: b64('b\n') }],
    });
    assert.deepEqual(r.cases?.map((c) => c.status), ['ok', 'time_limit', 'ok']);
    assert.equal(r.status, 'time_limit');
    assert.equal(r.cases?.[2]?.stdout, 'b\n');
  });

  void it('copies the workspace without following planted symlinks or opening FIFOs', async () => {
    const r = await job(d, {
      image: 'busybox',
      prepare: ['sh', '-c', 'ln -s /etc/shadow leak; ln -s / rootlink; mkfifo fifo; mkdir -p d/e; echo real > d/e/f; ln -s ../../leak d/e/g'],
      command: ['sh', '-c', 'find /work | sort; cat /work/d/e/f'],
      cases: [{}],
    });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    assert.equal(r.cases?.[0]?.stdout, '/work\n/work/d\n/work/d/e\n/work/d/e/f\nreal\n');
  });

  void it('grades a run: the grader sees the student\'s output and files read-only at /student', async () => {
    const grader = [
      'a=$(cat /student/work/answer); o=$(cat /student/stdout)',
      'touch /student/x 2>/dev/null && echo "student dir writable" >&2',
      'if [ "$a" = 42 ] && [ "$o" = out ]; then printf \'{"verdict":"success","score":100,"feedback":"right"}\\n\'',
      'else printf \'{"verdict":"failed","score":0,"feedback":"got %s"}\\n\' "$a"; fi',
    ].join('\n');
    const r = await job(d, {
      image: 'busybox',
      command: ['sh', '-c', 'echo 42 > answer; echo out'],
      grader: { image: 'busybox', command: ['sh', '-c', grader] },
    });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    assert.equal(r.stdout, 'out\n');
    assert.deepEqual(r.grade, { verdict: 'success', score: 100, feedback: 'right' });
    assert.equal(r.grader?.stderr, '');
    const wrong = await job(d, {
      image: 'busybox',
      command: ['sh', '-c', 'echo 41 > answer; echo out'],
      grader: { image: 'busybox', command: ['sh', '-c', grader] },
    });
    assert.deepEqual(wrong.grade, { verdict: 'failed', score: 0, feedback: 'got 41' });
  });

  void it('grades test cases: each case\'s stdin, stdout and expected output are under /student/cases', async () => {
    const r = await job(d, {
      image: 'busybox',
      files: [{ path: 'sum.src', content: b64(SOURCE) }],
      prepare: COMPILE,
      command: ['./sum'],
      cases: [{ stdin: b64('1 1\n'), expectedStdout: '2\n' }, { stdin: b64('2 2\n'), expectedStdout: '5\n' }],
      grader: {
        command: ['sh', '-c', 'n=0; for c in /student/cases/*; do cmp -s $c/stdout $c/expected_stdout && n=$((n+1)); done; test -x /student/work/sum || n=-1; printf \'{"verdict":"partial","score":%d,"feedback":"%s"}\' $n "$(cat /student/cases/1/stdin)"'],
      },
    });
    assert.deepEqual(r.grade, { verdict: 'partial', score: 1, feedback: '2 2' });
    assert.deepEqual(r.cases?.map((c) => c.passed), [true, false]);
  });

  void it('reports internal_error with the reason when the grader prints garbage or fails', async () => {
    const garbage = await job(d, { image: 'busybox', command: ['echo', 'hi'], grader: { command: ['echo', 'not json {'] } });
    assert.equal(garbage.status, 'internal_error');
    assert.match(garbage.error ?? '', /grader: the grader's stdout is not JSON/);
    assert.equal(garbage.stdout, 'hi\n', 'the student\'s run is still reported');
    const noScore = await job(d, { image: 'busybox', command: ['true'], grader: { command: ['echo', '{"verdict":"ok"}'] } });
    assert.equal(noScore.status, 'internal_error');
    assert.match(noScore.error ?? '', /"score"/);
    const crash = await job(d, { image: 'busybox', command: ['true'], grader: { command: ['sh', '-c', 'exit 3'] } });
    assert.equal(crash.status, 'internal_error');
    assert.match(crash.error ?? '', /grader failed: runtime_error \(exit 3\)/);
  });

  void it('refuses bad cases, graders and callback URLs with 400 and makes nothing', async () => {
    for (const body of [
      { image: 'busybox', command: ['true'], cases: [] },
      { image: 'busybox', command: ['true'], prepare: ['true'] },
      { image: 'busybox', command: ['true'], grader: { image: 'nope:none', command: ['true'] } },
      { image: 'busybox', command: ['true'], grader: { command: ['true'], limits: { memoryBytes: 1 } } },
      { image: 'busybox', command: ['true'], callbackUrl: 'http://10.1.2.3/hook' },
      { image: 'busybox', command: ['true'], callbackUrl: 'file:///etc/passwd' },
    ]) {
      const r = await api<{ code: string; message: string }>(d, 'POST', '/v1/jobs', body);
      assert.ok(r.status === 400 || r.status === 404, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    }
    assert.deepEqual(readdirSync(join(d.root, 'sandbox', 'workspaces')), []);
  });

  void it('POSTs the finished job to its callback URL, retrying after a failure', async () => {
    const hits: { status: number; body: JobRecord }[] = [];
    let server: Server | undefined;
    const delivered = new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (b: Buffer) => chunks.push(b));
        req.on('end', () => {
          const status = hits.length === 0 ? 503 : 204;
          hits.push({ status, body: JSON.parse(Buffer.concat(chunks).toString()) as JobRecord });
          res.writeHead(status).end();
          if (status === 204) resolve();
        });
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    try {
      const port = (server!.address() as { port: number }).port;
      const accepted = await api<JobRecord>(d, 'POST', '/v1/jobs', { image: 'busybox', command: ['echo', 'called back'], callbackUrl: `http://127.0.0.1:${port}/done` });
      assert.equal(accepted.status, 202);
      await delivered;
      assert.equal(hits.length, 2);
      const last = hits[1]!.body;
      assert.equal(last.id, accepted.body.id);
      assert.equal(last.state, 'done');
      assert.equal(last.result?.stdout, 'called back\n');
    } finally {
      await new Promise((r) => server!.close(r));
    }
  });

  void it('runs a --job file with cases and a grader from `pure sandbox run`', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'pure-job-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'sum.src'), SOURCE);
    await writeFile(
      join(dir, 'job.json'),
      JSON.stringify({
        prepare: COMPILE,
        cases: [{ stdin: b64('1 2\n'), expectedStdout: '3\n' }],
        grader: { command: ['sh', '-c', 'printf \'{"verdict":"success","score":%s,"feedback":""}\' "$(cat /student/cases/0/stdout)"'] },
      }),
    );
    const r = d.pure(['sandbox', 'run', '--image', 'busybox', '--job', join(dir, 'job.json'), '--file', `sum.src=${join(dir, 'sum.src')}`, '--', './sum']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as JobResult;
    assert.equal(res.status, 'ok');
    assert.equal(res.cases?.[0]?.passed, true);
    assert.deepEqual(res.grade, { verdict: 'success', score: 3, feedback: '' });
    const bad = d.pure(['sandbox', 'run', '--job', join(dir, 'missing.json')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^pure: invalid --job ".*missing.json": ENOENT\n$/);
  });

  void it('re-runs a job with cases after a kill -9 of the daemon, and removes the workspace it left', async () => {
    const accepted = await api<JobRecord>(d, 'POST', '/v1/jobs', {
      image: 'busybox',
      prepare: ['sh', '-c', 'echo built > out'],
      command: ['sh', '-c', 'sleep 0.3; cat out'],
      cases: [{}, {}, {}],
    });
    // wait until the prepared workspace exists: the job is between its steps
    for (let i = 0; i < 500 && readdirSync(join(d.root, 'sandbox', 'workspaces')).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(readdirSync(join(d.root, 'sandbox', 'workspaces')).length, 1, 'a workspace while the job runs');
    await d.kill9();
    await d.restart();
    const done = await api<JobRecord>(d, 'GET', `/v1/jobs/${accepted.body.id}?wait=60`);
    assert.equal(done.body.result?.status, 'ok', JSON.stringify(done.body.result));
    assert.deepEqual(done.body.result?.cases?.map((c) => c.stdout), ['built\n', 'built\n', 'built\n']);
  });

  void it('leaves nothing behind: workspaces, mounts, runc state, cgroups', async () => {
    d.proc.kill('SIGTERM');
    await new Promise((r) => d.proc.once('exit', r));
    const out = d.leaks();
    const runc = spawnSync('runc', ['--root', join(d.runRoot, 'sandbox'), 'list', '-q'], { encoding: 'utf8' });
    out.push(...runc.stdout.split('\n').filter(Boolean).map((id) => `sandbox runc: ${id}`));
    assert.deepEqual(out, []);
    assert.deepEqual(readdirSync(join(d.root, 'sandbox', 'workspaces')), []);
  });
});
