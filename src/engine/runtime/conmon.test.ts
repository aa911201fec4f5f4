// Integration: real conmon 2.1.6 + runc, as root. Every container, conmon and cgroup is removed in after().
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPureError } from '../../errors/index.js';
import { makeTestWorld, type TestWorld } from './test-bundle.js';
import { execFailureOf, openStdin, readExitFile, readLog, resize, watchExits } from './index.js';

function statField(pid: number, index: number): Promise<number> {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp session ..."; comm may hold spaces, so split after ')'.
  return readFile(`/proc/${pid}/stat`, 'utf8').then((s) => Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[index]));
}

void describe('conmon', () => {
  let world: TestWorld;
  before(async () => {
    world = await makeTestWorld();
  });
  after(async () => {
    await world?.cleanup();
  });

  void test('create leaves the container created, under a daemonised conmon that is not our child', async () => {
    const c = await world.create(['sleep', '1000']);
    const state = await world.runtime.state(c.id);
    assert.deepEqual(state, { status: 'created', pid: c.pid });
    const ppid = await statField(c.conmonPid, 1);
    const session = await statField(c.conmonPid, 3);
    assert.notEqual(ppid, process.pid);
    assert.equal(session, c.conmonPid, 'conmon leads its own session');
    await world.runtime.delete(c.id, { force: true });
  });

  void test('the exit code lands in the exit file and watchExits reports it; stdout and stderr are separate log streams', async () => {
    const seen: [string, number][] = [];
    const watcher = watchExits(world.exitDir, (id, code) => seen.push([id, code]));
    try {
      const c = await world.create(['sh', '-c', 'echo to-out; echo to-err >&2; exit 7']);
      assert.equal(await readExitFile(world.exitDir, c.id), null);
      await world.runtime.start(c.id);
      const code = await world.eventually(async () => (await readExitFile(world.exitDir, c.id)) ?? undefined, 'exit file');
      assert.equal(code, 7);
      await world.eventually(async () => (seen.some(([id]) => id === c.id) ? true : undefined), 'watchExits');
      assert.deepEqual(seen.filter(([id]) => id === c.id), [[c.id, 7]]);
      const log = await readLog(c.logPath);
      // Two pipes: the order between the streams is not defined, only that each line keeps its stream.
      assert.deepEqual(log.map((e) => `${e.stream}:${e.content}`).sort(), ['stderr:to-err', 'stdout:to-out']);
      assert.equal((await world.runtime.state(c.id))?.status, 'stopped');
    } finally {
      watcher.close();
    }
  });

  void test('watchExits reports exits that happened before it started watching', async () => {
    const c = await world.create(['sh', '-c', 'exit 3']);
    await world.runtime.start(c.id);
    await world.eventually(async () => (await readExitFile(world.exitDir, c.id)) ?? undefined, 'exit file');
    const seen = new Map<string, number>();
    const watcher = watchExits(world.exitDir, (id, code) => seen.set(id, code));
    try {
      assert.equal(await world.eventually(async () => seen.get(c.id), 'initial scan'), 3);
    } finally {
      watcher.close();
    }
  });

  void test('create rejects with the runtime\'s one-line reason when the program does not exist', async () => {
    await assert.rejects(world.create(['nosuch']), (e: unknown) => {
      assert.ok(isPureError(e));
      assert.equal(e.code, 'failed_precondition');
      assert.match(e.message, /exec: "nosuch": executable file not found in \$PATH/);
      assert.doesNotMatch(e.message, /\n|level=error|time=/);
      return true;
    });
  });

  void test('an exec that fails only after start shows as exit 1 with the reason on stderr', async () => {
    // runc 1.1 finds the executable at create; a script whose interpreter is missing fails at exec time,
    // after `runc start` returned: the reason lands in the log, which execFailureOf picks out.
    await writeFile(join(world.dir, 'rootfs', 'bin', 'bad-interp'), '#!/no/such/interpreter\n', { mode: 0o755 });
    const c = await world.create(['/bin/bad-interp']);
    await world.runtime.start(c.id);
    assert.equal(await world.eventually(async () => (await readExitFile(world.exitDir, c.id)) ?? undefined, 'exit'), 1);
    assert.equal(execFailureOf(await readLog(c.logPath)), 'exec /bin/bad-interp: no such file or directory');
  });

  void test('stdin written through openStdin reaches cat, and closing it gives cat EOF', async () => {
    const c = await world.create(['cat'], { stdin: true });
    await world.runtime.start(c.id);
    const attach = openStdin(world.socketDir, c.id);
    attach.stdin.write('hello stdin\n');
    attach.stdin.end();
    await attach.closed;
    const code = await world.eventually(async () => (await readExitFile(world.exitDir, c.id)) ?? undefined, 'cat to exit');
    assert.equal(code, 0);
    const log = await readLog(c.logPath);
    assert.deepEqual(log.map((e) => [e.stream, e.content]), [['stdout', 'hello stdin']]);
  });

  void test('resize through the ctl fifo changes the terminal size of a tty container', async () => {
    const c = await world.create(['sh', '-c', 'while true; do stty -a | head -n 1; sleep 0.2; done'], { terminal: true });
    await world.runtime.start(c.id);
    await resize(c.bundle, 33, 111);
    const line = await world.eventually(async () => {
      const log = await readLog(c.logPath);
      return log.find((e) => /rows 33; columns 111/.test(e.content));
    }, 'resized terminal in the log');
    assert.equal(line.stream, 'stdout');
    await world.runtime.kill(c.id, 'KILL');
    assert.equal(await world.eventually(async () => (await readExitFile(world.exitDir, c.id)) ?? undefined, 'exit'), 137);
  });

  void test('resize fails cleanly when no conmon serves the bundle', async () => {
    await assert.rejects(resize(world.dir, 24, 80), (e: unknown) => isPureError(e) && e.code === 'failed_precondition');
  });
});
