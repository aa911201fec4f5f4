/**
 * Crash safety: `kill -9` of the daemon at any moment, then a restart. Running containers are still running
 * and listed, exited ones keep their exit code, half-made ones are finished or cleaned, and nothing is leaked
 * (mounts, runc state, conmon processes, cgroups, container directories).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
});

after(async () => {
  await d.cleanup();
});

interface Inspect {
  id: string;
  name: string;
  state: { status: string; exitCode: number; pid: number };
}

const inspect = (ref: string) => (JSON.parse(d.pure(['inspect', ref]).stdout) as Inspect[])[0]!;

void test('containers outlive a daemon kill -9; exits while it was down are recorded', async () => {
  assert.equal(d.pure(['run', '-d', '--name', 'survivor', 'busybox', 'sleep', '1000']).code, 0);
  assert.equal(d.pure(['run', '-d', '--name', 'short', 'busybox', 'sh', '-c', 'sleep 1; exit 5']).code, 0);
  const pid = inspect('survivor').state.pid;
  await d.kill9();
  await new Promise((r) => setTimeout(r, 1500)); // "short" exits while no daemon runs
  process.kill(pid, 0); // the container process is alive without the daemon
  await d.restart();
  assert.equal(inspect('survivor').state.status, 'running');
  assert.equal(inspect('survivor').state.pid, pid);
  const short = inspect('short');
  assert.equal(short.state.status, 'exited');
  assert.equal(short.state.exitCode, 5);
  assert.match(d.pure(['ps']).stdout, /survivor/);
  // and it can still be managed
  assert.equal(d.pure(['exec', 'survivor', 'echo', 'hi']).stdout, 'hi\n');
  assert.equal(d.pure(['rm', '-f', 'survivor', 'short']).code, 0);
});

void test('kill -9 in the middle of a burst of creates leaves nothing half-made', async (t) => {
  // four clients create containers back to back; the daemon is killed once some exist and more are in flight
  let stop = false;
  const client = async (k: number) => {
    for (let i = 0; !stop && i < 50; i++) {
      const r = await d.pureAsync(['run', '-d', '--name', `burst${k}-${i}`, 'busybox', 'sleep', '1000']);
      if (r.code !== 0) return;
    }
  };
  const burst = [0, 1, 2, 3].map(client);
  const containersDir = join(d.root, 'containers');
  const t0 = Date.now();
  while (readdirSync(containersDir).length < 6 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
  await d.kill9();
  stop = true;
  await Promise.all(burst);
  await d.restart();
  t.diagnostic(d.daemonLog().split('\n').filter((l) => l.includes('recovered')).join('; ') || 'nothing to recover');

  const ids = d.pure(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
  // every container that exists is whole: running, or created/exited with a record and its directory
  for (const id of ids) {
    const c = inspect(id);
    assert.ok(['running', 'created', 'exited'].includes(c.state.status), `${c.name} is ${c.state.status}`);
    assert.ok(existsSync(join(d.root, 'containers', id)), `${c.name} has its directory`);
  }
  // no directory, runc container or conmon without a record
  const dirs = readdirSync(join(d.root, 'containers'));
  assert.deepEqual(dirs.sort(), [...ids].sort(), 'container directories match the records');
  assert.equal(d.pure(['rm', '-f', ...ids]).code, ids.length ? 0 : 1);
  assert.deepEqual(d.leaks(), []);
  assert.deepEqual(readdirSync(join(d.root, 'containers')), []);
});

void test('a daemon restart brings back restart=always containers that died with it', async () => {
  assert.equal(d.pure(['run', '-d', '--name', 'keeper', '--restart', 'always', 'busybox', 'sleep', '1000']).code, 0);
  const pid = inspect('keeper').state.pid;
  await d.kill9();
  process.kill(pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  await d.restart();
  const t0 = Date.now();
  while (inspect('keeper').state.status !== 'running' && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
  const k = inspect('keeper');
  assert.equal(k.state.status, 'running');
  assert.notEqual(k.state.pid, pid);
  assert.equal(d.pure(['rm', '-f', 'keeper']).code, 0);
  assert.deepEqual(d.leaks(), []);
});
