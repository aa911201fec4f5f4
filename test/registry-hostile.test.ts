/**
 * A hostile registry (a tiny HTTP server in the test: the registry misbehaving, not a mock of Pure): wrong
 * digests, truncated and oversized blobs, huge manifests, unknown media types, HTML pages, transient 503s.
 * Each pull fails with one line naming the reference and the reason, and leaves the store as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openDatabase } from '../src/state/index.js';
import { ImageService, pullImage } from '../src/engine/image/index.js';
import { RegistryClient } from '../src/engine/registry/index.js';
import { singleFileTar } from './fixtures/registry.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const HELLO_TAR = singleFileTar('hello', 'hi\n');

/**
 * One small image: its blobs by digest, its manifest. By default valid (a gzip layer); `layer` serves other
 * bytes under their own digest, as a registry would, with `tar` the content the config's diff id promises.
 */
function image(
  over: { tar: Buffer; layer: Buffer; mediaType: string } = { tar: HELLO_TAR, layer: gzipSync(HELLO_TAR), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
): { manifest: Buffer; blobs: Map<string, Buffer>; layer: Buffer } {
  const { tar, layer } = over;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(tar)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: over.mediaType, digest: sha(layer), size: layer.length }],
    }),
  );
  return { manifest, layer, blobs: new Map([[sha(config), config], [sha(layer), layer]]) };
}

/** Serve the image, letting `override` answer first (return true when it did). */
function registryServing(img: ReturnType<typeof image>, override: (req: IncomingMessage, res: ServerResponse) => boolean = () => false): Handler {
  return (req, res) => {
    if (override(req, res)) return;
    const url = req.url ?? '';
    if (url === '/v2/') return void res.end('{}');
    if (/\/manifests\//.test(url)) {
      res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
      return void res.end(img.manifest);
    }
    const blob = img.blobs.get(url.split('/blobs/')[1] ?? '');
    if (blob) return void res.end(blob);
    res.statusCode = 404;
    res.end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }));
  };
}

async function withRegistry(t: { after: (fn: () => Promise<void>) => void }, handler: Handler) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const host = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const root = await mkdtemp(join(tmpdir(), 'pure-hostile-'));
  const db = openDatabase(join(root, 'state.db'));
  const client = new RegistryClient({ retry: { baseDelayMs: 1, attempts: 3 } });
  t.after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  const images = new ImageService({ root, db });
  /** Pull `host/x:1`, expect a failure matching `reason`, and a store with nothing in it. */
  const refused = async (reason: RegExp, code?: string): Promise<void> => {
    const ref = `${host}/x:1`;
    await assert.rejects(pullImage(images, client, ref), (e: Error & { code?: string }) => {
      assert.ok(e.message.startsWith(`cannot pull "${ref}": `), e.message);
      assert.match(e.message, reason);
      assert.ok(!e.message.includes('\n'));
      if (code) assert.equal(e.code, code);
      return true;
    });
    assert.deepEqual(images.list(), []);
    assert.deepEqual(await readdir(join(root, 'layers')), []);
    assert.deepEqual(await readdir(join(root, 'content', 'blobs', 'sha256')).catch(() => []), []);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  };
  return { host, images, client, refused };
}

void test('a blob whose bytes do not match its digest is refused', async (t) => {
  const img = image();
  const env = await withRegistry(t, registryServing(img, (req, res) => {
    if (!req.url?.includes(sha(img.layer).slice(7))) return false;
    const evil = Buffer.from(img.layer);
    evil[evil.length - 1] = (evil[evil.length - 1] ?? 0) ^ 0xff;
    res.end(evil);
    return true;
  }));
  await env.refused(/blob rejected: digest is sha256:[a-f0-9]{64}, expected sha256:/, 'invalid_argument');
});

void test('a truncated blob is refused (after retries), a longer one too', async (t) => {
  const img = image();
  let longer = false;
  const env = await withRegistry(t, registryServing(img, (req, res) => {
    if (!req.url?.includes(sha(img.layer).slice(7))) return false;
    if (longer) {
      // chunked, so no Content-Length gives it away: the byte cap must catch it
      res.write(img.layer);
      res.end(Buffer.alloc(4096));
      return true;
    }
    res.setHeader('content-length', img.layer.length);
    res.write(img.layer.subarray(0, 10));
    setTimeout(() => res.destroy(), 10);
    return true;
  }));
  await env.refused(/./);
  longer = true;
  await env.refused(/is larger than the \d+ bytes its manifest declares/);
});

void test('a manifest over 4 MiB is refused before it is read whole', async (t) => {
  const env = await withRegistry(t, registryServing(image(), (req, res) => {
    if (!req.url?.includes('/manifests/')) return false;
    res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
    res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    return true;
  }));
  await env.refused(/the manifest is larger than 4194304 bytes/, 'invalid_argument');
});

void test('unknown manifest and layer media types are refused by name', async (t) => {
  const img = image();
  const doc = JSON.parse(img.manifest.toString()) as { mediaType: string; layers: { mediaType: string }[] };
  let which = 'manifest';
  const env = await withRegistry(t, registryServing(img, (req, res) => {
    if (!req.url?.includes('/manifests/')) return false;
    const copy = structuredClone(doc);
    if (which === 'manifest') copy.mediaType = 'application/vnd.example.thing+json';
    else if (which === 'layer') copy.layers[0]!.mediaType = 'application/vnd.example.layer';
    res.end(JSON.stringify(copy));
    return true;
  }));
  await env.refused(/unsupported manifest media type "application\/vnd\.example\.thing\+json"/);
  which = 'layer';
  await env.refused(/unsupported layer media type "application\/vnd\.example\.layer"/);
});

void test('a truncated or corrupt zstd layer is refused naming the layer, and nothing is kept', async (t) => {
  const tar = Buffer.concat([singleFileTar('a', 'x'.repeat(100_000)), singleFileTar('b', 'y'.repeat(1000))]);
  const whole = execFileSync('zstd', ['-q', '-c', '--check'], { input: tar });
  const corrupt = Buffer.from(whole);
  corrupt[Math.floor(corrupt.length / 2)] = (corrupt[Math.floor(corrupt.length / 2)] ?? 0) ^ 0xff;
  for (const [layer, reason] of [
    [whole.subarray(0, whole.length - 20), /stream ended in middle of compressed data frame/i],
    [corrupt, /(checksum|corrupt)/],
  ] as const) {
    // the registry serves the damaged bytes under their own digest: only decompression can notice
    const env = await withRegistry(t, registryServing(image({ tar, layer: Buffer.from(layer), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' })));
    await env.refused(new RegExp(`layer ${sha(layer)}: the layer is not valid zstd: .*${reason.source}`, 'i'), 'invalid_argument');
  }
});

void test('an HTML page or garbage instead of JSON is refused, saying so', async (t) => {
  let mode = 'html';
  const env = await withRegistry(t, registryServing(image(), (req, res) => {
    if (!req.url?.includes('/manifests/')) return false;
    res.setHeader('content-type', mode === 'html' ? 'text/html' : 'application/octet-stream');
    if (mode === 'html-404') res.statusCode = 404;
    res.end(mode === 'garbage' ? Buffer.from([0, 1, 2, 3, 255]) : '<!DOCTYPE html><html><body>Welcome to nginx</body></html>');
    return true;
  }));
  await env.refused(/the manifest is not JSON \(content type text\/html\)/);
  mode = 'garbage';
  await env.refused(/the manifest is not JSON/);
  mode = 'html-404';
  await env.refused(/not found: HTTP 404 \(an HTML page, not a registry answer\)/, 'not_found');
});

void test('503 and 429 answers are retried, then the pull completes', async (t) => {
  const img = image();
  let failures = 0;
  const env = await withRegistry(t, registryServing(img, (req, res) => {
    if (!req.url?.includes('/blobs/') || failures >= 2) return false;
    failures++;
    res.statusCode = failures === 1 ? 503 : 429;
    res.end('busy');
    return true;
  }));
  const res = await pullImage(env.images, env.client, `${env.host}/x:1`);
  assert.equal(failures, 2);
  assert.equal(res.image.layers.length, 1);
});

void test('a registry that keeps failing gives up with unavailable', async (t) => {
  let calls = 0;
  const env = await withRegistry(t, registryServing(image(), (req, res) => {
    if (!req.url?.includes('/manifests/')) return false;
    calls++;
    res.statusCode = 502;
    res.end('<html>bad gateway</html>');
    return true;
  }));
  await env.refused(/registry 127\.0\.0\.1:\d+ failed: HTTP 502 \(an HTML page, not a registry answer\)/, 'unavailable');
  assert.equal(calls, 3);
});

void test('an aborted pull commits nothing', async (t) => {
  const img = image();
  const ac = new AbortController();
  const env = await withRegistry(t, registryServing(img, (req, res) => {
    if (!req.url?.includes(sha(img.layer).slice(7))) return false;
    res.setHeader('content-length', img.layer.length);
    res.write(img.layer.subarray(0, 5));
    ac.abort(); // the client leaves mid-download; the server would have gone on
    return true;
  }));
  await assert.rejects(pullImage(env.images, env.client, `${env.host}/x:1`, { signal: ac.signal }));
  assert.deepEqual(env.images.list(), []);
});
