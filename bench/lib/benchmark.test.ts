import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchArgs } from './benchmark.js';

void test('parseBenchArgs applies defaults, reads numbers and refuses junk', () => {
  const d = { runs: 30, warmup: 3, extra: { containers: 20 } };
  const a = parseBenchArgs([], d);
  assert.equal(a.runs, 30);
  assert.equal(a.extra.containers, 20);
  assert.equal(parseBenchArgs(['--runs', '5', '--containers', '2'], d).extra.containers, 2);
  assert.throws(() => parseBenchArgs(['--runs', 'many'], d), /invalid --runs "many"/);
  assert.throws(() => parseBenchArgs(['--bogus', '1'], d));
});
