/**
 * The container lifecycle end to end: the real daemon and CLI over runc, conmon, overlayfs and cgroups.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
});

after(async () => {
  const leftovers = d.pure(['ps', '-aq']).stdout.trim();
  await d.cleanup();
  assert.equal(leftovers, '', 'every test removes its containers');
});

const ok = (args: string[], input?: string) => {
  const r = d.pure(args, { input });
  assert.equal(r.code, 0, `pure ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};

void describe('run', () => {
  void test('attached run prints the output and exits with the container exit code', () => {
    const r = d.pure(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  void test('--rm removes the container and its rootfs after exit', () => {
    const name = 'rm-me';
    ok(['run', '--rm', '--name', name, 'busybox', 'true']);
    assert.equal(d.pure(['inspect', name]).code !== 0, true);
    assert.deepEqual(d.pure(['ps', '-aq']).stdout.trim(), '');
  });

  void test('options stop at the image: flags after it go to the command', () => {
    assert.equal(ok(['run', '--rm', 'busybox', 'echo', '-n', 'x']), 'x');
  });

  void test('-i passes stdin to the container and closes it at EOF', () => {
    assert.equal(ok(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'wc -l'], 'a\nb\nc\n').trim(), '3');
  });

  void test('a command that does not exist exits 127 and says so', () => {
    const r = d.pure(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /nosuchcmd/);
    assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '');
  });

  void test('the image Cmd, Env and WorkingDir apply; -e and -w override them', async () => {
    const { busyboxTarball } = await import('./harness.js');
    ok(['import', '--change', 'CMD ["sh", "-c", "echo $GREETING from $(pwd)"]', '--change', 'ENV GREETING=hello', '--change', 'WORKDIR /tmp', await busyboxTarball(), 'greeter:1']);
    assert.equal(ok(['run', '--rm', 'greeter:1']), 'hello from /tmp\n');
    assert.equal(ok(['run', '--rm', '-e', 'GREETING=hi', '-w', '/etc', 'greeter:1']), 'hi from /etc\n');
    ok(['rmi', 'greeter:1']);
  });
});

void describe('detached containers', () => {
  void test('run -d, ps, logs with stdout and stderr apart, stop, start, rm', async () => {
    const id = ok(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'echo started; echo oops >&2; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(['ps']), /ticker/);
    await waitFor(() => ok(['logs', 'ticker']).includes('started'));
    const logs = d.pure(['logs', 'ticker']);
    assert.equal(logs.stdout, 'started\n');
    assert.equal(logs.stderr, 'oops\n');
    ok(['stop', '-t', '5', 'ticker']);
    const state = JSON.parse(ok(['inspect', 'ticker'])) as [{ state: { status: string; exitCode: number } }];
    assert.equal(state[0].state.status, 'exited');
    assert.equal(state[0].state.exitCode, 0, 'the trap ran: SIGTERM came first');
    assert.match(ok(['logs', 'ticker']), /bye/);
    assert.doesNotMatch(ok(['ps']), /ticker/);
    assert.match(ok(['ps', '-a', '--filter', 'status=exited']), /ticker/);
    ok(['start', 'ticker']);
    assert.match(ok(['ps', '--filter', 'name=ticker']), /Up/);
    ok(['rm', '-f', 'ticker']);
    assert.equal(existsSync(join(d.root, 'containers', id)), false, 'rm frees the container directory');
  });

  void test('an exited container\'s rootfs is unmounted; start mounts it again with its writes', async () => {
    const id = ok(['run', '-d', 'busybox', 'sh', '-c', 'cat /kept 2>/dev/null; echo run >> /kept']).trim();
    const rootfs = join(d.root, 'containers', id, 'rootfs');
    const mounted = (): boolean => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === rootfs);
    assert.equal(ok(['wait', id]).trim(), '0');
    await waitFor(() => !mounted());
    ok(['start', '-a', id]);
    assert.equal(ok(['logs', id]), 'run\n', 'the second run read what the first wrote');
    await waitFor(() => !mounted());
    ok(['rm', id]);
  });

  void test('start -ai of an exited container attaches to its new run and exits with its new code', async () => {
    const id = ok(['run', '-d', '-i', 'busybox', 'sh', '-c', 'read line; echo "got $line"; exit 4']).trim();
    ok(['kill', id]);
    assert.equal(ok(['wait', id]).trim(), '137');
    const r = d.pure(['start', '-ai', id], { input: 'again\n' });
    assert.equal(r.stdout, 'got again\n', r.stderr);
    assert.equal(r.code, 4);
    const status = (): string => (JSON.parse(ok(['inspect', id])) as [{ state: { status: string } }])[0].state.status;
    await waitFor(() => status() === 'exited');
    ok(['rm', id]);
  });

  void test('rm refuses a running container without force', () => {
    ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '100']);
    const r = d.pure(['rm', 'busy']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^pure: .*"busy".*running/m);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    ok(['rm', '-f', 'busy']);
  });

  void test('stop sends SIGKILL after the grace period', () => {
    ok(['run', '-d', '--name', 'stubborn', 'busybox', 'sh', '-c', 'trap "" TERM; sleep 100']);
    ok(['stop', '-t', '1', 'stubborn']);
    const [c] = JSON.parse(ok(['inspect', 'stubborn'])) as [{ state: { exitCode: number } }];
    assert.equal(c.state.exitCode, 137);
    ok(['rm', 'stubborn']);
  });

  void test('kill -s delivers the signal', () => {
    ok(['run', '-d', '--name', 'sig', 'busybox', 'sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done']);
    ok(['kill', '-s', 'USR1', 'sig']);
    assert.equal(ok(['wait', 'sig']).trim(), '42');
    ok(['rm', 'sig']);
  });

  void test('pause freezes every process and unpause thaws them', async () => {
    ok(['run', '-d', '--name', 'frozen', 'busybox', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done']);
    ok(['pause', 'frozen']);
    assert.match(ok(['ps', '--filter', 'name=frozen']), /Paused/);
    const a = ok(['inspect', '--format', 'json', 'frozen']);
    assert.match(a, /"paused": true/);
    await new Promise((r) => setTimeout(r, 300));
    ok(['unpause', 'frozen']);
    const n1 = Number(ok(['exec', 'frozen', 'cat', '/tmp/n']));
    await waitFor(() => Number(ok(['exec', 'frozen', 'cat', '/tmp/n'])) > n1);
    ok(['rm', '-f', 'frozen']);
  });

  void test('exec runs in the container with -e, -w, -u and returns the exit code', () => {
    ok(['run', '-d', '--name', 'host', 'busybox', 'sleep', '100']);
    assert.equal(ok(['exec', '-e', 'A=1', '-w', '/tmp', '-u', '1000', 'host', 'sh', '-c', 'echo $A $(pwd) $(id -u)']), '1 /tmp 1000\n');
    assert.equal(d.pure(['exec', 'host', 'sh', '-c', 'exit 3']).code, 3);
    assert.equal(ok(['exec', '-i', 'host', 'cat'], 'piped').trim(), 'piped');
    ok(['rm', '-f', 'host']);
  });

  void test('restart on-failure:2 retries twice then gives up', async () => {
    ok(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3']);
    await waitFor(() => {
      const [c] = JSON.parse(ok(['inspect', 'flaky'])) as [{ restartCount: number; state: { status: string } }];
      return c.restartCount === 2 && c.state.status === 'exited';
    });
    const [c] = JSON.parse(ok(['inspect', 'flaky'])) as [{ restartCount: number; state: { exitCode: number } }];
    assert.equal(c.state.exitCode, 3);
    ok(['rm', 'flaky']);
  });

  void test('restart always brings a container back until it is stopped', async () => {
    ok(['run', '-d', '--name', 'phoenix', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 0']);
    await waitFor(() => (JSON.parse(ok(['inspect', 'phoenix'])) as [{ restartCount: number }])[0].restartCount >= 2);
    ok(['stop', '-t', '1', 'phoenix']);
    const before = (JSON.parse(ok(['inspect', 'phoenix'])) as [{ restartCount: number; state: { status: string } }])[0];
    await new Promise((r) => setTimeout(r, 800));
    const later = (JSON.parse(ok(['inspect', 'phoenix'])) as [{ restartCount: number; state: { status: string } }])[0];
    assert.equal(later.state.status, 'exited');
    assert.equal(later.restartCount, before.restartCount, 'a stopped container stays stopped');
    ok(['rm', 'phoenix']);
  });
});

void describe('names, ids, images', () => {
  void test('a taken name is refused with one line naming it', () => {
    ok(['create', '--name', 'twin', 'busybox', 'true']);
    const r = d.pure(['create', '--name', 'twin', 'busybox', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /"twin" is already in use/);
    assert.equal(d.pure(['ps', '-aq']).stdout.trim().split('\n').length, 1);
    ok(['rm', 'twin']);
  });

  void test('containers are found by a unique id prefix', () => {
    const id = ok(['create', 'busybox', 'true']).trim();
    const [c] = JSON.parse(ok(['inspect', id.slice(0, 8)])) as [{ id: string }];
    assert.equal(c.id, id);
    ok(['rm', id.slice(0, 8)]);
  });

  void test('rmi refuses an image a container uses, unless -f', () => {
    ok(['tag', 'busybox', 'bb2:v1']);
    ok(['create', '--name', 'user-of-bb2', 'bb2:v1', 'true']);
    ok(['rmi', 'busybox']); // untags only: the image keeps bb2:v1
    ok(['tag', 'bb2:v1', 'busybox:latest']);
    const r = d.pure(['rmi', 'bb2:v1', 'busybox']);
    assert.notEqual(r.code, 0);
    ok(['rm', 'user-of-bb2']);
    assert.match(ok(['images']), /busybox/);
  });

  void test('unknown image and unknown container get one-line errors', () => {
    const r1 = d.pure(['run', '--rm', 'nosuchimage', 'true']);
    assert.equal(r1.code, 125);
    assert.match(r1.stderr, /nosuchimage/);
    const r2 = d.pure(['stop', 'nosuchcontainer']);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /no such container: "nosuchcontainer"/);
  });

  void test('a tarball with ../ paths is refused and leaves nothing', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { execFileSync } = await import('node:child_process');
    const dir = await mkdtemp(join(tmpdir(), 'pure-evil-'));
    await writeFile(join(dir, 'x'), 'x');
    const tar = join(dir, 'evil.tar');
    execFileSync('tar', ['-C', dir, '-cf', tar, '--transform', 's,^x$,../../etc/evil,', 'x']);
    const layersBefore = ok(['images', '-q']);
    const r = d.pure(['import', tar, 'evil']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\.\.\/\.\.\/etc\/evil/);
    assert.equal(ok(['images', '-q']), layersBefore);
  });
});

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
