import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { planOverlayMount } from './overlay-options.js';

const hex = (i: number) => createHash('sha256').update(String(i)).digest('hex');
const dirs = (lowers: string[]) => ({ lowers, upper: '/s/c1/upper', work: '/s/c1/work', linkDir: '/s/c1/links' });

void test('few layers mount by absolute path with the top layer first', () => {
  const plan = planOverlayMount(dirs(['/l/base', '/l/mid', '/l/top']));
  assert.equal(plan.options, 'lowerdir=/l/top:/l/mid:/l/base,upperdir=/s/c1/upper,workdir=/s/c1/work');
  assert.equal(plan.cwd, undefined);
});

void test('layers too long by absolute path mount relative to their common parent', () => {
  const parent = `/var/lib/${'deep/'.repeat(20)}layers`;
  const lowers = Array.from({ length: 40 }, (_, i) => `${parent}/layer-${i}`);
  const plan = planOverlayMount(dirs(lowers));
  assert.equal(plan.cwd, parent);
  assert.equal(plan.links, undefined);
  assert.ok(plan.options.startsWith('lowerdir=layer-39:layer-38:'));
  assert.ok(plan.options.includes(':layer-0,upperdir=/s/c1/upper,'));
  assert.ok(plan.options.length < 4096);
});

void test('sixty sha256 layers fall back to short symlink names', () => {
  const lowers = Array.from({ length: 60 }, (_, i) => `/var/lib/pure/layers/${hex(i)}`);
  const plan = planOverlayMount(dirs(lowers));
  assert.equal(plan.cwd, '/s/c1/links');
  assert.equal(plan.links?.get('0'), lowers[0]);
  assert.equal(plan.links?.get('59'), lowers[59]);
  assert.ok(plan.options.startsWith('lowerdir=59:58:'));
  assert.ok(plan.options.includes(':1:0,upperdir='));
});

void test('a layer list that cannot fit one page is an invalid argument', () => {
  const lowers = Array.from({ length: 2000 }, (_, i) => `/l/${hex(i)}`);
  assert.throws(() => planOverlayMount(dirs(lowers)), (e: unknown) => (e as { code?: string }).code === 'invalid_argument');
});
