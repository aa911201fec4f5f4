// End to end: resource limits given to `pure run` reach the container's cgroup (read from inside it) and
// bite (OOM kill, fork refusal); `stats` reports them; bad values are refused before anything is created.
// This host is hybrid (cgroup v1 controllers + an empty v2 tree): each read tries the v1 file, then v2's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { importBusybox, startTestDaemon, type CliResult, type TestDaemon } from './harness.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
});

after(async () => {
  try {
    if (d) {
      await settled(d);
      assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '', 'every test removed its containers');
      assert.deepEqual(d.leaks(), [], 'no mount, runc container or conmon left under the daemon roots');
    }
  } finally {
    await d?.cleanup();
  }
});

/** Waits (bounded) until `ps -a` is empty and nothing leaks; the assertions that follow say what was left. */
async function settled(daemon: TestDaemon): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (daemon.pure(['ps', '-aq']).stdout.trim() === '' && daemon.leaks().length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sh(script: string, flags: string[] = []): CliResult {
  return d.pure(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script]);
}

function shOk(script: string, flags: string[] = []): string {
  const r = sh(script, flags);
  assert.equal(r.code, 0, `script failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A shell fragment printing the first readable of `files` (v1 path first, then v2), or "missing". */
function firstOf(...files: string[]): string {
  return `$(for f in ${files.join(' ')}; do if [ -r $f ]; then cat $f; exit; fi; done; echo missing)`;
}

/** The `key=value` lines a script printed. */
function keyValues(out: string): Map<string, string> {
  return new Map(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
}

function assertRefused(r: CliResult, mentions: string): void {
  assert.notEqual(r.code, 0, `refused: ${mentions}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^pure: /);
  assert.ok(lines[0]!.includes(mentions), `the error names "${mentions}": ${lines[0]}`);
  assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '', 'no container was created');
}

void test('--memory 32m is the cgroup memory limit seen from inside', () => {
  const v = keyValues(shOk(`echo limit=${firstOf('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max')}`, ['--memory', '32m']));
  assert.equal(v.get('limit'), '33554432');
});

void test('a process that outgrows --memory is OOM-killed: exit 137 and inspect says oomKilled', () => {
  // tail keeps everything it read looking for a last line: /dev/zero has no newline, so it grows to 200 MiB
  const r = d.pure(['run', '--name', 'oom-hog', '--memory', '32m', 'busybox', 'sh', '-c', 'head -c 200m /dev/zero | tail; exit $?']);
  try {
    assert.equal(r.code, 137, `exit code (stderr: ${r.stderr})`);
    const inspect = d.pure(['inspect', 'oom-hog']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const [info] = JSON.parse(inspect.stdout) as { state: { oomKilled: boolean; exitCode: number; status: string } }[];
    assert.equal(info?.state.status, 'exited');
    assert.equal(info?.state.exitCode, 137);
    assert.equal(info?.state.oomKilled, true);
  } finally {
    d.pure(['rm', '-f', 'oom-hog']);
  }
});

void test('a container within its memory limit is not reported oomKilled', () => {
  const r = d.pure(['run', '--name', 'oom-fine', '--memory', '64m', 'busybox', 'sh', '-c', 'head -c 1m /dev/zero | tail; exit 3']);
  try {
    assert.equal(r.code, 3);
    const [info] = JSON.parse(d.pure(['inspect', 'oom-fine']).stdout) as { state: { oomKilled: boolean } }[];
    assert.equal(info?.state.oomKilled, false);
  } finally {
    d.pure(['rm', '-f', 'oom-fine']);
  }
});

void test('--memory-swap sets the memory+swap limit (docker: twice --memory when not given)', () => {
  const memsw = firstOf('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', '/sys/fs/cgroup/memory.swap.max');
  const given = keyValues(shOk(`echo memsw=${memsw}`, ['--memory', '32m', '--memory-swap', '96m']));
  const implied = keyValues(shOk(`echo memsw=${memsw}`, ['--memory', '32m']));
  if (given.get('memsw') === 'missing') {
    // v1 without swap accounting (swapaccount=0) has no memsw file: nothing to read, say so in the output
    assert.equal(implied.get('memsw'), 'missing');
    return;
  }
  // v1 counts memory+swap; v2's swap.max counts swap alone
  const v1 = given.get('memsw') === String(96 * 1024 * 1024);
  const v2 = given.get('memsw') === String(64 * 1024 * 1024);
  assert.ok(v1 || v2, `memsw limit for --memory-swap 96m: ${given.get('memsw')}`);
  assert.equal(implied.get('memsw'), String((v1 ? 64 : 32) * 1024 * 1024), 'default swap allowance');
});

void test('--pids-limit 20 is the pids limit and a fork loop cannot exceed it', () => {
  // The outer shell uses builtins only once the limit is reached (it could not fork `cat`).
  const script = [
    `echo max=${firstOf('/sys/fs/cgroup/pids/pids.max')}`,
    'sh -c "for i in \\$(seq 50); do sleep 60 & done" 2>/dev/null; echo loop=$?',
    'set -- /proc/[0-9]*; echo procs=$#',
    'kill -9 -1; exit 0',
  ].join('; ');
  const r = sh(script, ['--pids-limit', '20']);
  const v = keyValues(r.stdout);
  assert.equal(v.get('max'), '20', r.stderr);
  assert.notEqual(v.get('loop'), '0', 'the loop hit the limit and its shell failed to fork');
  const procs = Number(v.get('procs'));
  assert.ok(procs <= 20, `processes in the container: ${procs}`);
  assert.ok(procs >= 15, `the loop did start processes up to about the limit: ${procs}`);
});

void test('--cpus 0.5 is a CFS quota of 50000 per 100000 period', () => {
  const v = keyValues(shOk(`echo quota=${firstOf('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')}; echo period=${firstOf('/sys/fs/cgroup/cpu/cpu.cfs_period_us')}; echo max=${firstOf('/sys/fs/cgroup/cpu.max')}`, ['--cpus', '0.5']));
  if (v.get('quota') !== 'missing') {
    assert.equal(v.get('quota'), '50000');
    assert.equal(v.get('period'), '100000');
  } else {
    assert.equal(v.get('max'), '50000 100000');
  }
});

void test('--cpu-shares 512 is the cgroup cpu.shares', () => {
  const v = keyValues(shOk(`echo shares=${firstOf('/sys/fs/cgroup/cpu/cpu.shares')}; echo weight=${firstOf('/sys/fs/cgroup/cpu.weight')}`, ['--cpu-shares', '512']));
  if (v.get('shares') !== 'missing') assert.equal(v.get('shares'), '512');
  else assert.notEqual(v.get('weight'), '100', 'v2 weight differs from the default');
});

void test('without limits the container is not capped by Pure', () => {
  const v = keyValues(shOk(`echo mem=${firstOf('/sys/fs/cgroup/memory/memory.limit_in_bytes')}; echo pids=${firstOf('/sys/fs/cgroup/pids/pids.max')}; echo quota=${firstOf('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')}`));
  assert.ok(Number(v.get('mem')) > 2 ** 40, `memory unlimited: ${v.get('mem')}`);
  assert.equal(v.get('pids'), 'max');
  assert.equal(v.get('quota'), '-1');
});

void test('stats --no-stream --format json reports usage, pids and the --memory limit of a running container', () => {
  const started = d.pure(['run', '-d', '--name', 'stats-target', '--memory', '48m', 'busybox', 'sh', '-c', 'sleep 300 & sleep 300']);
  try {
    assert.equal(started.code, 0, started.stderr);
    const r = d.pure(['stats', '--no-stream', '--format', 'json', 'stats-target']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stdout);
    const s = JSON.parse(lines[0]!) as { name: string; memoryUsage: number; memoryLimit: number; pids: number };
    assert.equal(s.name, 'stats-target');
    assert.ok(s.memoryUsage > 0, `memory usage ${s.memoryUsage}`);
    assert.equal(s.memoryLimit, 48 * 1024 * 1024);
    assert.ok(s.pids >= 2, `sh and its sleeps: ${s.pids}`);
  } finally {
    d.pure(['rm', '-f', 'stats-target']);
  }
});

void test('bad limit values are refused with one line naming the value and create nothing', () => {
  assertRefused(sh('true', ['--memory', '12q']), '12q');
  assertRefused(sh('true', ['--cpus', 'x']), '"x"');
  assertRefused(sh('true', ['--pids-limit', 'abc']), 'abc');
  assertRefused(d.pure(['run', '--restart', 'sometimes', 'busybox', 'true']), 'sometimes');
  assertRefused(sh('true', ['--memory', '32m', '--memory-swap', '16m']), '16m');
});

void test('an unknown image is refused with its name, exit 125, and nothing created', () => {
  const r = d.pure(['run', '--rm', 'no-such-image:1.0', 'true']);
  assert.equal(r.code, 125);
  assertRefused(r, 'no-such-image:1.0');
});
