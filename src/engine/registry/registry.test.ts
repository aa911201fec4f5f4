import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInsecure, locate, parseChallenges, parsePlatform, selectPlatform, type ImageIndex } from './index.js';

void test('challenges parse Bearer and Basic with quoted, escaped and bare parameters', () => {
  const c = parseChallenges('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push", Basic realm=x');
  assert.deepEqual(c, [
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull,push' } },
    { scheme: 'basic', params: { realm: 'x' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="say \\"hi\\""'), [{ scheme: 'basic', params: { realm: 'say "hi"' } }]);
  assert.deepEqual(parseChallenges(''), []);
});

void test('familiar names locate their registry and repository path as Docker does', () => {
  assert.deepEqual(locate('busybox'), { registry: 'docker.io', repository: 'library/busybox' });
  assert.deepEqual(locate('foo/bar'), { registry: 'docker.io', repository: 'foo/bar' });
  assert.deepEqual(locate('localhost:5000/x/y'), { registry: 'localhost:5000', repository: 'x/y' });
  assert.deepEqual(locate('ghcr.io/o/r'), { registry: 'ghcr.io', repository: 'o/r' });
});

void test('plain HTTP only for loopback and registries marked insecure (host, host:port, CIDR)', () => {
  assert.equal(isInsecure('localhost:5000', []), true);
  assert.equal(isInsecure('127.1.2.3:80', []), true);
  assert.equal(isInsecure('registry.example:5000', []), false);
  assert.equal(isInsecure('registry.example:5000', ['registry.example:5000']), true);
  assert.equal(isInsecure('10.1.2.3:5000', ['10.0.0.0/8']), true);
  assert.equal(isInsecure('11.1.2.3:5000', ['10.0.0.0/8']), false);
});

void test('platform selection matches os, architecture and (normalised) variant', () => {
  const index: ImageIndex = {
    kind: 'index',
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'b'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    ],
  };
  assert.equal(selectPlatform(index, parsePlatform('linux/arm64')).digest, `sha256:${'b'.repeat(64)}`);
  assert.equal(selectPlatform(index, parsePlatform('amd64')).digest, `sha256:${'a'.repeat(64)}`);
  assert.throws(() => selectPlatform(index, parsePlatform('linux/arm')), /no image for linux\/arm in the index/);
  assert.throws(() => parsePlatform('linux/'), /invalid --platform "linux\/"/);
});
