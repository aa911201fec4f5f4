// removeStoppedContainer against real runc containers: it only ever removes one whose init is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestWorld, type TestWorld } from './test-bundle.js';
import { readExitFile } from './index.js';
import { removeStoppedContainer } from './stopped-state.js';

let world: TestWorld;
before(async () => {
  world = await makeTestWorld();
});
after(async () => {
  await world?.cleanup();
});
const root = (): string => join(world.dir, 'runc');

void test('a running container is left alone (false), an unknown one is false', async () => {
  const c = await world.create(['sleep', '1000']);
  await world.runtime.start(c.id);
  assert.equal(await removeStoppedContainer(root(), c.id), false);
  assert.deepEqual(await world.runtime.state(c.id), { status: 'running', pid: c.pid });
  assert.equal(await removeStoppedContainer(root(), 'no-such-container'), false);
  await world.runtime.delete(c.id, { force: true });
});

void test('a created container (init waiting at its exec fifo) is left alone', async () => {
  const c = await world.create(['true']);
  assert.equal(await removeStoppedContainer(root(), c.id), false);
  assert.equal((await world.runtime.state(c.id))?.status, 'created');
  await world.runtime.delete(c.id, { force: true });
});

void test('an exited container is removed: state dir gone, runc no longer knows it', async () => {
  const c = await world.create(['true']);
  await world.runtime.start(c.id);
  await world.eventually(async () => (await readExitFile(world.exitDir, c.id)) ?? undefined, 'exit');
  assert.equal(await removeStoppedContainer(root(), c.id), true);
  assert.equal(await stat(join(root(), c.id)).catch(() => null), null);
  assert.equal(await world.runtime.state(c.id), null);
});
