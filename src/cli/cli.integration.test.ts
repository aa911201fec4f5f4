/**
 * The built `pure` CLI (dist/, `npm run build` first) against a real daemon on a temp root: real runc,
 * conmon and overlayfs underneath. One daemon for the file; cleanup removes every container and checks leaks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from '../../test/harness.js';

void describe('pure CLI against a real daemon', () => {
  let d: TestDaemon;
  let scratch: string;

  before(async () => {
    d = await startTestDaemon();
    await importBusybox(d);
    scratch = await mkdtemp(join(tmpdir(), 'pure-cli-it-'));
    await chmod(scratch, 0o755); // bind-mounted for uid 1000 below
  });
  after(async () => {
    const leaks = d ? (await d.cleanup(), d.leaks()) : [];
    if (scratch) await rm(scratch, { recursive: true, force: true });
    assert.deepEqual(leaks, []);
  });

  void test('run prints stdout and stderr apart and exits with the container\'s code', () => {
    const r = d.pure(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  void test('run passes flags after the image to the command and --rm leaves no container', () => {
    const r = d.pure(['run', '--rm', '--name', 'lsrun', 'busybox', 'ls', '-d', '/etc']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '/etc\n');
    const ps = d.pure(['ps', '-a', '--format', 'json']);
    assert.ok(!ps.stdout.includes('"lsrun"'), ps.stdout);
  });

  void test('start -a streams each run of a container, the second run\'s output and code included', () => {
    const created = d.pure(['create', '--name', 'twice', 'busybox', 'sh', '-c', 'echo run $(cat /count 2>/dev/null || echo 1); echo 2 > /count; exit 5']);
    assert.equal(created.code, 0, created.stderr);
    const first = d.pure(['start', '-a', 'twice']);
    assert.equal(first.code, 5, first.stderr);
    assert.equal(first.stdout, 'run 1\n');
    const second = d.pure(['start', '-a', 'twice']);
    assert.equal(second.code, 5, second.stderr);
    assert.equal(second.stdout, 'run 2\n');
    assert.equal(d.pure(['rm', 'twice']).code, 0);
  });

  void test('run -i forwards stdin until it ends', () => {
    const r = d.pure(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'wc -l'], { input: 'a\nb\nc\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '3');
  });

  void test('run applies env, env-file, workdir, user and a bind mount', async () => {
    await writeFile(join(scratch, 'vars.env'), '# comment\nFROM_FILE=yes\n');
    await writeFile(join(scratch, 'data.txt'), 'bound\n');
    const r = d.pure([
      'run', '--rm', '-e', 'A=1', '--env-file', join(scratch, 'vars.env'), '-w', '/tmp', '-u', '1000',
      '-v', `${scratch}:/mnt:ro`, 'busybox', 'sh', '-c', 'echo $A $FROM_FILE $(pwd) $(id -u) $(cat /mnt/data.txt)',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1 yes /tmp 1000 bound\n');
  });

  void test('run refuses a bad flag with 125 before reaching the daemon', () => {
    const r = d.pure(['run', '--memory', '12q', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, 'pure: invalid --memory "12q": unknown unit "q"\n');
  });

  void test('a detached container can be listed, logged, exec\'d into, stopped, waited for and removed', async () => {
    const run = d.pure(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo ready; echo warn >&2; exec sleep 1000']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const ps = d.pure(['ps']);
    assert.match(ps.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+NAMES\n/);
    assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+".*"\\s+.* ago\\s+Up .*\\s+web$`, 'm'));
    assert.equal(d.pure(['ps', '-q']).stdout, `${id.slice(0, 12)}\n`);

    const exec = d.pure(['exec', 'web', 'sh', '-c', 'echo in-exec; exit 4']);
    assert.equal(exec.code, 4, exec.stderr);
    assert.equal(exec.stdout, 'in-exec\n');

    const logs = d.pure(['logs', 'web']);
    assert.equal(logs.stdout, 'ready\n');
    assert.equal(logs.stderr, 'warn\n');
    const stamped = d.pure(['logs', '-t', 'web']);
    assert.match(stamped.stdout, /^\d{4}-\d\d-\d\dT\S+ ready\n$/);

    const inspect = JSON.parse(d.pure(['inspect', 'web']).stdout) as { id: string; state: { running: boolean } }[];
    assert.equal(inspect[0]?.id, id);
    assert.equal(inspect[0]?.state.running, true);

    const waiting = d.pureAsync(['wait', 'web']);
    const stop = d.pure(['stop', '-t', '1', 'web']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, 'web\n');
    const waited = await waiting;
    assert.equal(waited.stdout, '137\n');

    assert.match(d.pure(['ps', '-a']).stdout, /Exited \(137\) .* ago\s+web$/m);
    const removed = d.pure(['rm', 'web', 'ghost']);
    assert.equal(removed.code, 1);
    assert.equal(removed.stdout, 'web\n');
    assert.match(removed.stderr, /^pure: .*ghost/);
  });

  void test('exec -i forwards stdin that is ready before the exec starts', () => {
    const run = d.pure(['run', '-d', '--name', 'catter', 'busybox', 'sleep', '1000']);
    assert.equal(run.code, 0, run.stderr);
    const catIn = d.pure(['exec', '-i', 'catter', 'cat'], { input: 'piped\n', timeoutMs: 20_000 });
    d.pure(['rm', '-f', 'catter']);
    assert.equal(catIn.stdout, 'piped\n');
  });

  void test('run exits 127 for a command that does not exist and --rm still removes the container', () => {
    const r = d.pure(['run', '--rm', '--name', 'ghostcmd', 'busybox', 'no-such-command']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /^pure: .*no-such-command/);
    assert.ok(!d.pure(['ps', '-a']).stdout.includes('ghostcmd'));
  });

  void test('images lists the imported image and tag/rmi manage names', () => {
    assert.match(d.pure(['images']).stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nbusybox\s+latest\s+[0-9a-f]{12}\s+.* ago\s+\S+B\n/);
    assert.equal(d.pure(['tag', 'busybox', 'mybox:1']).code, 0);
    assert.match(d.pure(['image', 'ls']).stdout, /^mybox\s+1\s+/m);
    const rmi = d.pure(['rmi', 'mybox:1']);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.match(rmi.stdout, /^Untagged: mybox:1/);
    const img = JSON.parse(d.pure(['image', 'inspect', 'busybox']).stdout) as { config: { Cmd?: string[] } }[];
    assert.deepEqual(img[0]?.config.Cmd, ['sh']);
  });

  void test('a CLI without a daemon says how to start one', () => {
    const r = d.pure(['--host', `unix://${join(scratch, 'none.sock')}`, 'ps']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^pure: cannot connect to the Pure daemon at .*none\.sock: is it running\? \(start it with: pure daemon &\)\n$/);
  });
});
