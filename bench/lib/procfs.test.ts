import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listProcesses, pssBytes, rssBytes, pidsByComm } from './procfs.js';

void test('rss and pss of this process are positive and pss is not above rss', async () => {
  const rss = await rssBytes(process.pid);
  const pss = await pssBytes(process.pid);
  assert.ok(rss > 0);
  assert.ok(pss > 0);
  assert.ok(pss <= rss + 64 * 1024, `pss ${pss} > rss ${rss}`);
});

void test('listProcesses includes this process with its argv', async () => {
  const me = (await listProcesses()).find((p) => p.pid === process.pid);
  assert.ok(me);
  assert.equal(me.argv[0], process.argv0);
});

void test('pidsByComm finds this process by its comm and nothing for an unknown name', async () => {
  const comm = (await listProcesses()).find((p) => p.pid === process.pid)!.comm;
  assert.ok((await pidsByComm(comm)).includes(process.pid));
  assert.deepEqual(await pidsByComm('no-such-comm-x'), []);
});

void test('reading a process that does not exist rejects', async () => {
  await assert.rejects(rssBytes(2 ** 22 + 12345));
});
