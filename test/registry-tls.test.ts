/**
 * Registries over TLS with a private CA, end to end: docker-registry serving HTTPS with a certificate from a
 * CA made by openssl in the test. A daemon without `--registry-ca` refuses it in one line that says what to
 * do; a daemon with it pulls, runs and pushes (a layer bigger than PURE_REGISTRY_CHUNK_SIZE, so in chunks).
 * And a registry that answers HTTPS with plain HTTP, being neither loopback nor `--insecure-registry`, is
 * refused rather than silently reached over plain HTTP.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon, type TestDaemon } from './harness.js';
import { makeTestCa, singleFileTar, skopeoPush, startRegistry, writeLayout, type TestCa, type TestRegistry } from './fixtures/registry.js';
import { makeBusyboxTar } from './fixtures/busybox.js';

let work: string;
let ca: TestCa;
let tls: TestRegistry;
let plain: TestRegistry;
let untrusting: TestDaemon;
let trusting: TestDaemon;
/** This machine's name when it resolves to a loopback address: a registry name that is not loopback to Pure. */
let otherName: string | undefined;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-tls-'));
  ca = makeTestCa(work);
  tls = await startRegistry({}, { tls: { certFile: ca.certFile, keyFile: ca.keyFile } });
  plain = await startRegistry();
  const name = hostname();
  const addr = await lookup(name, { family: 4 }).catch(() => undefined);
  otherName = addr && /^127\./.test(addr.address) && name !== 'localhost' ? name : undefined;
  untrusting = await startTestDaemon();
  trusting = await startTestDaemon({
    daemonArgs: ['--registry-ca', ca.caFile, ...(otherName ? ['--insecure-registry', otherName] : [])],
    env: { PURE_REGISTRY_CHUNK_SIZE: '1m' },
  });
  await makeBusyboxTar(join(work, 'bb.tar'));
  await writeLayout(join(work, 'layout'), 't', [{ layers: [await readFile(join(work, 'bb.tar')), singleFileTar('etc/motd', 'over tls\n')], gzip: true, cmd: ['cat', '/etc/motd'] }]);
  skopeoPush(join(work, 'layout'), 't', `${tls.host}/pure/tls:t`);
  skopeoPush(join(work, 'layout'), 't', `${plain.host}/pure/plain:t`);
});

after(async () => {
  await untrusting?.cleanup();
  await trusting?.cleanup();
  await tls?.stop();
  await plain?.stop();
  await rm(work, { recursive: true, force: true });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

void test('without --registry-ca, a pull from a TLS registry with a private CA fails in one line naming the registry', () => {
  const ref = `${tls.host}/pure/tls:t`;
  const pull = untrusting.pure(['pull', ref]);
  assert.equal(pull.code, 1);
  assert.match(
    pull.stderr,
    new RegExp(`^pure: cannot pull "${escape(ref)}": registry ${escape(tls.host)}: its TLS certificate is not trusted \\(unable to verify the first certificate\\); give the daemon its CA with --registry-ca FILE\\n$`),
  );
  assert.equal(untrusting.pure(['image', 'inspect', ref]).code, 1, 'nothing was installed');
});

void test('with --registry-ca the daemon pulls over TLS and runs the image', () => {
  const ref = `${tls.host}/pure/tls:t`;
  const pull = trusting.pure(['pull', ref]);
  assert.equal(pull.code, 0, pull.stderr);
  const run = trusting.pure(['run', '--rm', ref]);
  assert.equal(run.stdout, 'over tls\n', run.stderr);
});

void test('with --registry-ca a push goes over TLS, in chunks, and skopeo verifying the CA reads it back', async () => {
  // busybox plus 3 MiB of random bytes: one layer of more than three 1 MiB chunks
  const extra = join(work, 'extra');
  await mkdir(extra);
  await writeFile(join(extra, 'random.bin'), randomBytes(3 * 1024 * 1024));
  await copyFile(join(work, 'bb.tar'), join(work, 'big.tar'));
  execFileSync('tar', ['--append', '-f', join(work, 'big.tar'), '-C', extra, 'random.bin']);
  const ref = `${tls.host}/pure/pushed:1`;
  const imported = trusting.pure(['import', '--change', 'CMD ["sh"]', join(work, 'big.tar'), ref]);
  assert.equal(imported.code, 0, imported.stderr);
  const push = trusting.pure(['push', ref]);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /: Pushed\n/);

  // skopeo with TLS verification on, trusting only the test CA (its --cert-dir wants the CA as ca.crt)
  const certDir = join(work, 'certs');
  await mkdir(certDir);
  await copyFile(ca.caFile, join(certDir, 'ca.crt'));
  const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--cert-dir', certDir, `docker://${ref}`], { encoding: 'utf8' })) as { layers: { size: number }[] };
  assert.ok(raw.layers[0]!.size > 3 * 1024 * 1024);

  assert.equal(trusting.pure(['rmi', ref]).code, 0);
  const pull = trusting.pure(['pull', ref]);
  assert.equal(pull.code, 0, pull.stderr);
  const run = trusting.pure(['run', '--rm', ref, 'wc', '-c', '/random.bin']);
  assert.equal(run.stdout.trim(), `${3 * 1024 * 1024} /random.bin`, run.stderr);
});

void test('a registry that is neither loopback nor --insecure-registry is never reached over plain HTTP', (t) => {
  if (otherName === undefined) {
    t.skip(`the machine's name (${hostname()}) does not resolve to a loopback address: no non-loopback name for a local registry`);
    return;
  }
  const port = plain.host.split(':')[1] ?? '';
  const ref = `${otherName}:${port}/pure/plain:t`;
  const pull = untrusting.pure(['pull', ref]);
  assert.equal(pull.code, 1);
  assert.match(
    pull.stderr,
    new RegExp(`^pure: cannot pull "${escape(ref)}": registry ${escape(`${otherName}:${port}`)} does not speak TLS \\(HTTPS\\), plain HTTP perhaps; Pure uses plain HTTP only for loopback registries and those given to the daemon with --insecure-registry\\n$`),
  );
  // the same registry, named with --insecure-registry: plain HTTP after TLS fails, as Docker does
  const allowed = trusting.pure(['pull', ref]);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.deepEqual(untrusting.leaks(), []);
  assert.deepEqual(trusting.leaks(), []);
});
