/**
 * The chunked upload against an in-test HTTP server that answers as a registry may but docker-registry does
 * not (relative Locations, 416, a Range that disagrees); the real registry is in test/registry-push.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { putChunked, type BlobUpload } from './blob-upload.js';

interface Seen {
  method: string;
  url: string;
  range?: string;
  length: number;
}

type Answer = (req: IncomingMessage, res: ServerResponse, body: Buffer, seen: Seen[]) => void;

async function withServer(answer: Answer, fn: (base: string, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const range = req.headers['content-range'];
      seen.push({ method: req.method ?? '', url: req.url ?? '', length: body.length, ...(range ? { range } : {}) });
      answer(req, res, body, seen);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen);
  } finally {
    await new Promise((r) => srv.close(r));
  }
}

function upload(base: string, blob: Buffer): BlobUpload {
  return {
    registry: 'test',
    url: `${base}/v2/x/blobs/uploads/u1?_state=s0`,
    desc: { digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`, size: blob.length },
    open: () => Readable.from([blob.subarray(0, 7), blob.subarray(7)]),
    send: (r) => request(r.url, { method: r.method, headers: r.headers, body: r.body?.() }),
  };
}

void test('chunks follow each relative Location, carry inclusive Content-Ranges, and the PUT closes with the digest', async () => {
  const blob = Buffer.from('0123456789abcdefghij-');
  let n = 0;
  await withServer(
    (req, res, body) => {
      if (req.method === 'PATCH') {
        const end = Number((req.headers['content-range'] ?? '').split('-')[1]);
        n++;
        // relative to the request: "u1-1?…" resolves beside the current URL
        res.writeHead(202, { location: `u1-${n}?_state=s${n}`, range: `0-${end}` }).end();
        return;
      }
      res.writeHead(body.length === 0 ? 201 : 400).end();
    },
    async (base, seen) => {
      await putChunked(upload(base, blob), 8);
      assert.deepEqual(
        seen.map((s) => [s.method, s.url, s.range, s.length]),
        [
          ['PATCH', '/v2/x/blobs/uploads/u1?_state=s0', '0-7', 8],
          ['PATCH', '/v2/x/blobs/uploads/u1-1?_state=s1', '8-15', 8],
          ['PATCH', '/v2/x/blobs/uploads/u1-2?_state=s2', '16-20', 5],
          ['PUT', `/v2/x/blobs/uploads/u1-3?_state=s3&digest=${encodeURIComponent(upload(base, blob).desc.digest)}`, undefined, 0],
        ],
      );
    },
  );
});

void test('a 416 answer is one clear error naming the range and the blob, and the session is cancelled', async () => {
  const blob = Buffer.alloc(20, 1);
  await withServer(
    (req, res) => {
      if (req.method === 'PATCH') res.writeHead(416, { range: '0-3' }).end();
      else res.writeHead(204).end();
    },
    async (base, seen) => {
      await assert.rejects(putChunked(upload(base, blob), 8), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'failed_precondition');
        assert.match(e.message, /^registry test refused bytes 0-7 of blob sha256:[0-9a-f]{64} \(HTTP 416/);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
      assert.deepEqual(
        seen.map((s) => s.method),
        ['PATCH', 'DELETE'],
      );
    },
  );
});

void test('a Range that does not acknowledge the whole chunk is refused', async () => {
  await withServer(
    (req, res) => res.writeHead(req.method === 'PATCH' ? 202 : 204, { range: '0-3' }).end(),
    async (base) => {
      await assert.rejects(putChunked(upload(base, Buffer.alloc(20, 2)), 8), /acknowledged 0-3 of blob sha256:\w+ after bytes 0-7 \(expected 0-7\)/);
    },
  );
});

void test('a blob shorter than its descriptor is refused before the closing PUT', async () => {
  await withServer(
    (req, res) => res.writeHead(req.method === 'PATCH' ? 202 : 201, { range: `0-${Number((req.headers['content-range'] ?? '0-0').split('-')[1])}` }).end(),
    async (base, seen) => {
      const u = upload(base, Buffer.alloc(20, 3));
      await assert.rejects(putChunked({ ...u, desc: { ...u.desc, size: 30 } }, 8), /has 20 bytes, its descriptor says 30/);
      assert.ok(!seen.some((s) => s.method === 'PUT'));
    },
  );
});
