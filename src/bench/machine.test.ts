import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMachine, mountFsType, versionOf } from './machine.js';

void test('describeMachine reports this host: cores, memory, kernel, node version', async () => {
  const m = await describeMachine();
  assert.ok(m.cores >= 1);
  assert.ok(m.memoryBytes > 0);
  assert.match(m.kernel, /^Linux /);
  assert.equal(m.versions.node, process.version);
  assert.match(m.cgroupMode, /^(v1|v2 \(unified\)|hybrid v1\+v2)$/);
});

void test('mountFsType finds proc for a path under /proc', async () => {
  assert.equal(await mountFsType('/proc/self'), 'proc');
});

void test('versionOf reports a missing tool as absent with a reason instead of throwing', async () => {
  const v = await versionOf('/nonexistent/tool-that-is-not-here', ['--version']);
  assert.match(v, /^absent \(.+\)$/);
});
