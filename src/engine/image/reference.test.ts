import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from '../../errors/index.js';
import { formatReference, parseReference } from './index.js';

const D = `sha256:${'a'.repeat(64)}`;

void test('a bare name gets the latest tag', () => {
  assert.deepEqual(parseReference('busybox'), { name: 'busybox', tag: 'latest' });
});

void test('Docker Hub names are stored in their familiar form', () => {
  assert.deepEqual(parseReference('docker.io/library/busybox:1.36'), { name: 'busybox', tag: '1.36' });
  assert.deepEqual(parseReference('library/alpine'), { name: 'alpine', tag: 'latest' });
  assert.deepEqual(parseReference('index.docker.io/foo/bar:x'), { name: 'foo/bar', tag: 'x' });
});

void test('registry hosts with ports, nested paths, tags and digests', () => {
  assert.deepEqual(parseReference('localhost:5000/x/y:1'), { name: 'localhost:5000/x/y', tag: '1' });
  assert.equal(formatReference(parseReference('localhost:5000/x/y:1')), 'localhost:5000/x/y:1');
  assert.deepEqual(parseReference('localhost/app'), { name: 'localhost/app', tag: 'latest' });
  assert.deepEqual(parseReference('reg.example.com/a_b/c-d.e:v1.2-3'), { name: 'reg.example.com/a_b/c-d.e', tag: 'v1.2-3' });
  assert.deepEqual(parseReference(`busybox@${D}`), { name: 'busybox', digest: D });
  assert.deepEqual(parseReference(`busybox:1@${D}`), { name: 'busybox', tag: '1', digest: D });
});

void test('invalid references are InvalidArgument naming the value', () => {
  assert.throws(() => parseReference('BusyBox'), /invalid reference "BusyBox": repository name must be lowercase/);
  for (const bad of ['', 'a:', 'a b', 'a//b', '-a', 'a@sha256:123', 'x:' + 't'.repeat(129), 'a/B']) {
    assert.throws(() => parseReference(bad), InvalidArgument, bad);
  }
});
