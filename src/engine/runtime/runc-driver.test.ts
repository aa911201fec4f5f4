// The RuntimeDriver conformance suite, run once per runtime this host has. A runtime that detectRuntimes()
// finds unusable is skipped with its reason (crun: not installed here, and it refuses hybrid cgroup hosts).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPureError } from '../../errors/index.js';
import { makeTestWorld, type TestWorld } from './test-bundle.js';
import { CrunDriver, RuncDriver, detectRuntimes, readExitFile, signalName, type RuntimeDriver } from './index.js';

const runtimes = await detectRuntimes();

/** Collect a child's stdout and stderr and its exit code. */
function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

void test('signalName accepts names with or without SIG and numbers', () => {
  assert.equal(signalName('SIGTERM'), 'SIGTERM');
  assert.equal(signalName('term'), 'SIGTERM');
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName('9'), 'SIGKILL');
  assert.throws(() => signalName('NOPE'), (e: unknown) => isPureError(e) && e.code === 'invalid_argument');
});

void test('detectRuntimes finds runc usable and explains any unusable runtime', () => {
  const runc = runtimes.find((r) => r.name === 'runc');
  assert.ok(runc?.usable, `runc must be usable here: ${runc?.reason ?? ''}`);
  for (const r of runtimes.filter((x) => !x.usable)) assert.ok(r.reason && r.reason.length > 0, `${r.name} has a reason`);
});

for (const detected of runtimes) {
  const skip = detected.usable ? false : `${detected.name} not usable: ${detected.reason ?? ''}`;
  const make = (root: string): RuntimeDriver =>
    detected.name === 'crun' ? new CrunDriver({ root, binary: detected.binary }) : new RuncDriver({ root, binary: detected.binary });

  void describe(`RuntimeDriver conformance: ${detected.name}`, { skip }, () => {
    let world: TestWorld;
    before(async () => {
      world = await makeTestWorld(make);
    });
    after(async () => {
      await world?.cleanup();
    });

    const exitCode = (id: string): Promise<number> =>
      world.eventually(async () => (await readExitFile(world.exitDir, id)) ?? undefined, `exit of ${id}`);

    void test('state is null, delete is a no-op and start is not_found for an unknown id', async () => {
      assert.equal(await world.runtime.state('no-such-container'), null);
      await world.runtime.delete('no-such-container');
      await world.runtime.delete('no-such-container', { force: true });
      await assert.rejects(world.runtime.start('no-such-container'), (e: unknown) => isPureError(e) && e.code === 'not_found');
    });

    void test('start runs a created container; list names it; delete removes its state', async () => {
      const c = await world.create(['sleep', '1000']);
      assert.ok((await world.runtime.list()).includes(c.id));
      await world.runtime.start(c.id);
      const state = await world.runtime.state(c.id);
      assert.deepEqual(state, { status: 'running', pid: c.pid });
      await assert.rejects(world.runtime.delete(c.id), (e: unknown) => isPureError(e) && e.code === 'conflict');
      await world.runtime.delete(c.id, { force: true });
      assert.equal(await world.runtime.state(c.id), null);
      assert.ok(!(await world.runtime.list()).includes(c.id));
    });

    void test('start runs the program (its output and exit arrive); a second start is a conflict', async () => {
      const c = await world.create(['sh', '-c', 'echo started-once; exit 7']);
      await world.runtime.start(c.id);
      assert.equal(await exitCode(c.id), 7);
      const log = await readFile(c.logPath, 'utf8');
      assert.match(log, /started-once/);
      await assert.rejects(world.runtime.start(c.id), (e: unknown) => isPureError(e) && e.code === 'conflict');
      await world.runtime.delete(c.id, { force: true });
    });

    void test('delete of an exited container removes its cgroup in every hierarchy and its state dir', async () => {
      const c = await world.create(['true']);
      await world.runtime.start(c.id);
      assert.equal(await exitCode(c.id), 0);
      const leaves = async (): Promise<string[]> => {
        const found: string[] = [];
        for (const h of await readdir('/sys/fs/cgroup')) {
          if (await stat(join('/sys/fs/cgroup', h, 'pure-test', c.id)).catch(() => null)) found.push(h);
        }
        return found;
      };
      assert.ok((await leaves()).length > 0, 'the running container had cgroups');
      await world.runtime.delete(c.id);
      assert.deepEqual(await leaves(), []);
      assert.equal(await world.runtime.state(c.id), null);
      assert.equal(await stat(join(world.dir, 'runc', c.id)).catch(() => null), null, 'the state dir is gone');
    });

    void test('start of a created container whose init was killed fails with conflict, not a hang', async () => {
      const c = await world.create(['true']);
      await world.runtime.kill(c.id, 'SIGKILL');
      await world.eventually(async () => ((await world.runtime.state(c.id))?.status === 'stopped' ? true : undefined), 'init gone');
      await assert.rejects(world.runtime.start(c.id), (e: unknown) => isPureError(e) && e.code === 'conflict');
      await world.runtime.delete(c.id, { force: true });
    });

    void test('kill SIGTERM reaches a program that handles it; SIGKILL ends one that does not', async () => {
      const trapping = await world.create(['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done']);
      await world.runtime.start(trapping.id);
      await world.runtime.kill(trapping.id, 'SIGTERM');
      assert.equal(await exitCode(trapping.id), 42);

      const stubborn = await world.create(['sleep', '1000']);
      await world.runtime.start(stubborn.id);
      await world.runtime.kill(stubborn.id, 9, { all: true });
      assert.equal(await exitCode(stubborn.id), 137);
      assert.equal((await world.runtime.state(stubborn.id))?.status, 'stopped');
      await world.runtime.delete(stubborn.id);
      assert.equal(await world.runtime.state(stubborn.id), null);
    });

    void test('pause freezes and resume thaws a running container', async () => {
      const c = await world.create(['sleep', '1000']);
      await world.runtime.start(c.id);
      await world.runtime.pause(c.id);
      assert.equal((await world.runtime.state(c.id))?.status, 'paused');
      await world.runtime.resume(c.id);
      assert.equal((await world.runtime.state(c.id))?.status, 'running');
      await world.runtime.delete(c.id, { force: true });
    });

    void test('exec returns the process output on separate streams and its exit code', async () => {
      const c = await world.create(['sleep', '1000']);
      await world.runtime.start(c.id);
      const child = world.runtime.exec(c.id, { args: ['sh', '-c', 'echo out; echo err >&2; read x; echo "in:$x"; exit 5'] }, { tty: false });
      child.stdin?.end('typed\n');
      const r = await finish(child);
      assert.equal(r.code, 5);
      assert.equal(r.stdout, 'out\nin:typed\n');
      assert.equal(r.stderr, 'err\n');
      await world.runtime.delete(c.id, { force: true });
    });

    void test('tty exec gives the process a /dev/pts terminal that resizeExec resizes', async () => {
      const c = await world.create(['sleep', '1000']);
      await world.runtime.start(c.id);
      const child = world.runtime.exec(c.id, { args: ['sh', '-c', 'tty; while read x; do stty -a | head -n 1; done'] }, { tty: true });
      const result = finish(child);
      let output = '';
      child.stdout?.on('data', (b: Buffer) => (output += b.toString('utf8')));
      await world.runtime.resizeExec(child, 40, 100);
      // runc applies the size on SIGWINCH, asynchronously: ask again until the new size shows.
      await world.eventually(async () => {
        child.stdin?.write('\n');
        return Promise.resolve(/rows 40; columns 100/.test(output) ? true : undefined);
      }, 'resized exec terminal');
      assert.match(output, /^\/dev\/pts\/\d+\r?$/m);
      child.stdin?.end('\x04');
      const r = await result;
      assert.equal(r.code, 0);
      await world.runtime.delete(c.id, { force: true });
    });

    void test('version and features describe the runtime', async () => {
      const v = await world.runtime.version();
      assert.equal(v.name, detected.name);
      assert.match(v.version, /^\d+\.\d+/);
      const features = await world.runtime.features();
      assert.ok(Array.isArray(features.namespaces) || typeof features.ociVersionMax === 'string');
    });
  });
}
