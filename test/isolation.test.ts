// End to end: what a container cannot see or do by default, read from inside the container through the real
// `pure` CLI and daemon (runc, conmon, overlayfs, cgroups underneath). Each expectation is Docker's default, so
// a user moving from `docker run` gets the same walls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type CliResult, type TestDaemon } from './harness.js';

/** moby's default capability set (oci/caps/defaults.go) as the kernel prints it in /proc/<pid>/status. */
const DOCKER_DEFAULT_CAPS = '00000000a80425fb';

let d: TestDaemon;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-isolation-'));
  d = await startTestDaemon();
  await importBusybox(d);
});

after(async () => {
  try {
    if (d) {
      // `run --rm` removal finishes in the daemon after the exit frame: let it settle before looking for leaks.
      await settled(d);
      const left = d.pure(['ps', '-aq']).stdout.trim();
      const leaks = d.leaks();
      assert.equal(left, '', 'every test removed its containers');
      assert.deepEqual(leaks, [], 'no mount, runc container or conmon left under the daemon roots');
    }
  } finally {
    await d?.cleanup();
    await rm(work, { recursive: true, force: true });
  }
});

/** Waits (bounded) until `ps -a` is empty; the assertions that follow say what was left if it never is. */
async function settled(daemon: TestDaemon): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (daemon.pure(['ps', '-aq']).stdout.trim() === '' && daemon.leaks().length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `pure run --rm [flags] busybox sh -c script`. */
function sh(script: string, flags: string[] = []): CliResult {
  return d.pure(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script]);
}

/** Like sh() but the script must succeed; returns its stdout. */
function shOk(script: string, flags: string[] = []): string {
  const r = sh(script, flags);
  assert.equal(r.code, 0, `script failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The `Key:\tvalue` lines of /proc/self/status inside a default container. */
function procStatus(): Map<string, string> {
  const out = shOk('cat /proc/self/status');
  return new Map(out.split('\n').filter((l) => l.includes(':')).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
  }));
}

interface InspectView {
  id: string;
  name: string;
  config: { labels?: Record<string, string> };
  state: { status: string };
}

function inspect(ref: string): InspectView {
  const r = d.pure(['inspect', ref]);
  assert.equal(r.code, 0, `inspect ${ref}: ${r.stderr}`);
  const [first] = JSON.parse(r.stdout) as InspectView[];
  assert.ok(first, `inspect ${ref} returned an object`);
  return first;
}

/** A Pure failure is reported as exactly one line `pure: ...` on stderr. */
function assertOneLineError(r: CliResult, mentions: string): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^pure: /);
  assert.ok(lines[0]!.includes(mentions), `the error names "${mentions}": ${lines[0]}`);
}

void test('the container gets exactly docker\'s default capabilities and none inheritable or ambient', () => {
  const s = procStatus();
  assert.equal(s.get('CapEff'), DOCKER_DEFAULT_CAPS);
  assert.equal(s.get('CapPrm'), DOCKER_DEFAULT_CAPS);
  assert.equal(s.get('CapBnd'), DOCKER_DEFAULT_CAPS);
  assert.equal(s.get('CapInh'), '0000000000000000');
  assert.equal(s.get('CapAmb'), '0000000000000000');
});

void test('no_new_privs is set and a seccomp filter is active', () => {
  const s = procStatus();
  assert.equal(s.get('NoNewPrivs'), '1');
  assert.equal(s.get('Seccomp'), '2', 'seccomp mode 2 (filter)');
});

void test('a new network namespace and a tmpfs mount are both refused', () => {
  const out = shOk('unshare -n true; echo unshare=$?; mount -t tmpfs x /mnt; echo mount=$?; echo mounted=$(grep -c " /mnt " /proc/mounts)');
  assert.match(out, /^unshare=[1-9]\d*$/m);
  assert.match(out, /^mount=[1-9]\d*$/m);
  assert.match(out, /^mounted=0$/m, 'nothing got mounted on /mnt');
});

void test('kernel files are masked and /proc/sys and /sys are read-only', () => {
  const out = shOk([
    'echo before=$(cat /proc/sys/kernel/hostname)',
    // /proc/kcore does not exist on every kernel; where it does it must be /dev/null (char 1:3)
    'if [ -e /proc/kcore ]; then echo kcore=$(stat -c "%t:%T" /proc/kcore) size=$(wc -c < /proc/kcore); else echo kcore=absent; fi',
    'echo keys=$(stat -c "%F %t:%T" /proc/keys)',
    'echo timer_list=$(stat -c "%F %t:%T" /proc/timer_list)',
    'echo evil > /proc/sys/kernel/hostname; echo procsys=$?',
    'touch /sys/pure-was-here; echo sys=$?',
    'echo sysmount=$(grep " /sys sysfs " /proc/mounts | cut -d" " -f4 | cut -d, -f1)',
    'echo hostname=$(cat /proc/sys/kernel/hostname)',
  ].join('; '));
  assert.match(out, /^kcore=(absent|1:3 size=0)$/m);
  assert.match(out, /^keys=character special file 1:3$/m, '/proc/keys is /dev/null');
  assert.match(out, /^timer_list=character special file 1:3$/m, '/proc/timer_list is /dev/null');
  assert.match(out, /^procsys=[1-9]\d*$/m, 'writing /proc/sys fails');
  assert.match(out, /^sys=[1-9]\d*$/m, 'writing /sys fails');
  assert.match(out, /^sysmount=ro$/m, '/sys is mounted read-only');
  const before = /^before=(.+)$/m.exec(out)?.[1];
  assert.ok(before, 'the hostname was read');
  assert.match(out, new RegExp(`^hostname=${before}$`, 'm'), 'the hostname did not change');
});

void test('the command is pid 1 of its own pid namespace and sees no host process', () => {
  const out = shOk('echo self=$$; set -- /proc/[0-9]*; echo procs=$#; echo daemon=$(test -e /proc/' + String(d.proc.pid) + '/cmdline && grep -c pure /proc/' + String(d.proc.pid) + '/cmdline || echo 0)');
  assert.match(out, /^self=1$/m);
  const procs = Number(/^procs=(\d+)$/m.exec(out)?.[1]);
  // sh, the subshell running the glob's echo at most: a host pid namespace would show hundreds
  assert.ok(procs >= 1 && procs <= 3, `processes visible: ${procs}`);
  assert.match(out, /^daemon=0$/m, 'the daemon\'s pid is not visible');
});

void test('--network none: only the loopback interface exists', () => {
  const out = shOk('cat /proc/net/dev', ['--network', 'none']);
  const ifaces = out.split('\n').slice(2).filter(Boolean).map((l) => l.split(':')[0]!.trim());
  assert.deepEqual(ifaces, ['lo']);
});

void test('the hostname is the first 12 characters of the id and /etc/hosts, /etc/resolv.conf exist', () => {
  const r = d.pure(['run', '--name', 'hn-default', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname; grep -c localhost /etc/hosts; test -f /etc/resolv.conf && echo resolv']);
  try {
    assert.equal(r.code, 0, r.stderr);
    const id = inspect('hn-default').id;
    assert.equal(id.length, 64);
    const [hostname, etcHostname, localhost, resolv] = r.stdout.split('\n');
    assert.equal(hostname, id.slice(0, 12));
    assert.equal(etcHostname, id.slice(0, 12));
    assert.ok(Number(localhost) >= 1, '/etc/hosts names localhost');
    assert.equal(resolv, 'resolv');
  } finally {
    d.pure(['rm', '-f', 'hn-default']);
  }
});

void test('--hostname sets the hostname, /etc/hostname and an /etc/hosts entry', () => {
  const out = shOk('hostname; cat /etc/hostname; grep -w myhost /etc/hosts | wc -l', ['--hostname', 'myhost']);
  const [hostname, etcHostname, hosts] = out.split('\n');
  assert.equal(hostname, 'myhost');
  assert.equal(etcHostname, 'myhost');
  assert.ok(Number(hosts) >= 1, '/etc/hosts maps myhost');
});

void test('-u 1000 and -u app run unprivileged and cannot write /root', () => {
  for (const user of ['1000', 'app']) {
    const out = shOk('id -u; id -g; touch /root/x 2>/dev/null; echo write=$?; grep CapEff /proc/self/status', ['-u', user]);
    const [uid, gid, write, capEff] = out.split('\n');
    assert.equal(uid, '1000', `-u ${user}`);
    assert.equal(gid, '1000', `-u ${user}: the passwd entry's group`);
    assert.match(write ?? '', /^write=[1-9]\d*$/, `-u ${user} cannot write /root`);
    assert.match(capEff ?? '', /0000000000000000$/, `-u ${user} has no effective capabilities`);
  }
});

void test('-u nosuchuser fails with one line naming the user, exit 125, and leaves no container', () => {
  const r = sh('true', ['-u', 'nosuchuser']);
  assert.equal(r.code, 125);
  assertOneLineError(r, 'nosuchuser');
  assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '');
});

void test('--read-only refuses writes to / and --tmpfs /tmp stays writable beside it', () => {
  const ro = shOk('touch /x 2>/dev/null; echo root=$?; touch /tmp/x 2>/dev/null; echo tmp=$?', ['--read-only']);
  assert.match(ro, /^root=[1-9]\d*$/m);
  assert.match(ro, /^tmp=[1-9]\d*$/m, 'without --tmpfs /tmp is part of the read-only root');

  const withTmp = shOk('touch /x 2>/dev/null; echo root=$?; echo hi > /tmp/x; echo tmp=$?; grep " /tmp " /proc/mounts | cut -d" " -f3', ['--read-only', '--tmpfs', '/tmp']);
  assert.match(withTmp, /^root=[1-9]\d*$/m);
  assert.match(withTmp, /^tmp=0$/m);
  assert.match(withTmp, /^tmpfs$/m, '/tmp is a tmpfs');
});

void test('-v binds a host directory: host files are visible, writes reach the host, :ro refuses writes', async () => {
  const host = join(work, 'bind');
  await rm(host, { recursive: true, force: true });
  await mkdir(host);
  await writeFile(join(host, 'from-host'), 'hello from the host\n');

  const rw = shOk('cat /data/from-host; echo back > /data/from-container', ['-v', `${host}:/data`]);
  assert.equal(rw, 'hello from the host\n');
  assert.equal(await readFile(join(host, 'from-container'), 'utf8'), 'back\n');

  const ro = shOk('cat /data/from-host; echo nope > /data/refused 2>/dev/null; echo write=$?', ['-v', `${host}:/data:ro`]);
  assert.match(ro, /^hello from the host$/m);
  assert.match(ro, /^write=[1-9]\d*$/m);
  await assert.rejects(readFile(join(host, 'refused')), 'nothing was written through the read-only bind');
});

void test('a bind mount whose host path is not absolute is refused by the CLI and by the API', async () => {
  const r = sh('true', ['-v', 'relative/dir:/data']);
  assert.notEqual(r.code, 0);
  assertOneLineError(r, 'relative/dir');

  // the API is the boundary: a client that skips the CLI's checks must be refused too
  const res = await postJson(d.socket, '/v1/containers', {
    image: 'busybox',
    cmd: ['true'],
    binds: [{ source: 'relative/dir', destination: '/data', readOnly: false }],
  });
  assert.equal(res.status, 400, res.body);
  assert.equal((JSON.parse(res.body) as { code: string }).code, 'invalid_argument');
  assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '', 'no container was created');
});

void test('--init runs catatonit as pid 1 with the command as its child', async () => {
  const out = shOk('tr "\\0" " " < /proc/1/cmdline; echo; echo self=$$; echo ppid=$PPID; md5sum /dev/init | cut -d" " -f1', ['--init']);
  const [cmdline, self, ppid, md5] = out.split('\n');
  assert.match(cmdline ?? '', /^\/dev\/init -- sh -c /);
  assert.notEqual(self, 'self=1', 'the command is not pid 1');
  assert.equal(ppid, 'ppid=1', 'the command is the init\'s child');
  const hostInit = createHash('md5').update(await readFile('/usr/bin/catatonit')).digest('hex');
  assert.equal(md5, hostInit, '/dev/init is the host\'s catatonit');
});

void test('-e, --env-file and -w reach the process; -e wins over the file', async () => {
  const envFile = join(work, 'env');
  await writeFile(envFile, '# a comment\nFROM_FILE=one two\n\nBOTH=file\n');
  const out = shOk('pwd; echo "$FROM_FILE|$BOTH|$ONLY_E"', ['-e', 'ONLY_E=e', '-e', 'BOTH=flag', '--env-file', envFile, '-w', '/etc']);
  assert.equal(out, '/etc\none two|flag|e\n');
});

void test('--label is kept and shown by inspect', () => {
  const r = d.pure(['create', '--label', 'tier=web', '--label', 'empty', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  try {
    assert.deepEqual(inspect(id).config.labels, { tier: 'web', empty: '' });
  } finally {
    d.pure(['rm', '-f', id]);
  }
});

void test('a second container with the same --name is refused with one line naming it', () => {
  const first = d.pure(['run', '-d', '--name', 'twin', 'busybox', 'sleep', '60']);
  try {
    assert.equal(first.code, 0, first.stderr);
    const second = d.pure(['run', '-d', '--name', 'twin', 'busybox', 'sleep', '60']);
    assert.equal(second.code, 125);
    assertOneLineError(second, '"twin"');
    const ids = d.pure(['ps', '-aq']).stdout.split('\n').filter(Boolean);
    assert.equal(ids.length, 1, 'only the first container exists');
    assert.ok(first.stdout.trim().startsWith(ids[0]!));
  } finally {
    d.pure(['rm', '-f', 'twin']);
  }
});

void test('a container is found by a unique prefix of its id', () => {
  const r = d.pure(['create', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  try {
    const found = inspect(id.slice(0, 6));
    assert.equal(found.id, id);
    assert.equal(found.state.status, 'created');
  } finally {
    d.pure(['rm', '-f', id]);
  }
});

void test('run --rm has removed the container and its mounts by the time it returns', () => {
  // docker's CLI waits for the removal (wait condition "removed"); a script doing `run --rm` then `ps -a`
  // must not see the container, and its rootfs must be unmounted.
  for (let i = 0; i < 3; i++) {
    const r = d.pure(['run', '--rm', 'busybox', 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '', `run ${i}: ps -a after run --rm`);
    assert.deepEqual(d.leaks(), [], `run ${i}: leaks after run --rm`);
  }
});

/** POST a JSON body to the daemon's unix socket, bypassing the CLI. */
function postJson(socketPath: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request({ socketPath, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
