/**
 * Sending a blob to an upload session the registry opened (POST /v2/<name>/blobs/uploads/ answered 202 with a
 * Location). Two ways, both from the OCI distribution spec ("Pushing blobs"):
 *
 *   monolithic   PUT <location>?digest=D   with the whole blob                         ─► 201
 *   chunked      PATCH <location>  Content-Range: 0-(n-1)    ─► 202, Location L1, Range: 0-(n-1)
 *                PATCH L1          Content-Range: n-(2n-1)   ─► 202, Location L2, Range: 0-(2n-1)
 *                …
 *                PUT Lk?digest=D   Content-Length: 0                                   ─► 201
 *
 * Small blobs go monolithically (one request); a blob larger than the chunk size goes in chunks, so no
 * single request carries more than one chunk (proxies and registries cap request bodies; a failure costs one
 * chunk's worth of bytes on the wire, not the whole layer). Each chunk is read into memory first: its exact
 * Content-Length is known and the bytes can be sent again when auth or a redirect replays the request.
 *
 * Every Location the registry answers is the URL of the next request: it may be relative (resolved against
 * the request that got it) or absolute, and may carry query parameters the registry needs (docker-registry's
 * `_state`), so it is used as given. There is no resume: a chunk that fails ends the session (it is
 * cancelled with DELETE, best effort) and the caller's retry starts a new one.
 */
import type { Readable } from 'node:stream';
import { FailedPrecondition, InvalidArgument } from '../../errors/index.js';
import { registryError, type Response } from './transport.js';

/** Blobs larger than this are sent in chunks of this size, unless the caller sets another. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/** The one request an upload makes at a time; `url` is absolute. Supplied by Repository (auth, scopes, signal). */
export type UploadSend = (r: { url: string; method: 'PUT' | 'PATCH' | 'DELETE'; headers: Record<string, string>; body?: () => Buffer | Readable }) => Promise<Response>;

export interface BlobUpload {
  registry: string;
  /** The absolute URL of the upload session (the POST's Location, resolved). */
  url: string;
  desc: { digest: string; size: number };
  /** The blob's bytes, from the start. */
  open: () => Readable;
  send: UploadSend;
}

/** One PUT of the whole blob, closing the session with its digest. */
export async function putMonolithic(u: BlobUpload): Promise<void> {
  const res = await u.send({
    url: withDigest(u.url, u.desc.digest),
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(u.desc.size) },
    body: u.open,
  });
  if (res.statusCode !== 201) throw await registryError(res, u.registry);
  await res.body.dump();
}

/** PATCH the blob `chunkSize` bytes at a time, then close the session with an empty PUT carrying the digest. */
export async function putChunked(u: BlobUpload, chunkSize: number): Promise<void> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new InvalidArgument(`invalid upload chunk size ${chunkSize}`);
  let url = u.url;
  let offset = 0;
  try {
    for await (const chunk of chunksOf(u.open(), chunkSize)) {
      if (offset + chunk.length > u.desc.size) throw new InvalidArgument(`blob ${u.desc.digest} is longer than its ${u.desc.size} bytes`);
      url = await patchChunk(u, url, offset, chunk);
      offset += chunk.length;
    }
    if (offset !== u.desc.size) throw new InvalidArgument(`blob ${u.desc.digest} has ${offset} bytes, its descriptor says ${u.desc.size}`);
    const res = await u.send({ url: withDigest(url, u.desc.digest), method: 'PUT', headers: { 'content-length': '0' } });
    if (res.statusCode !== 201) throw await registryError(res, u.registry);
    await res.body.dump();
  } catch (e) {
    await cancel(u, url);
    throw e;
  }
}

/** Send bytes [offset, offset+chunk.length) and check the registry acknowledged exactly that much. */
async function patchChunk(u: BlobUpload, url: string, offset: number, chunk: Buffer): Promise<string> {
  const range = `${offset}-${offset + chunk.length - 1}`;
  const res = await u.send({
    url,
    method: 'PATCH',
    headers: { 'content-type': 'application/octet-stream', 'content-range': range, 'content-length': String(chunk.length) },
    body: () => chunk,
  });
  if (res.statusCode === 416) {
    await res.body.dump();
    throw new FailedPrecondition(`registry ${u.registry} refused bytes ${range} of blob ${u.desc.digest} (HTTP 416: not where its upload session is)`);
  }
  if (res.statusCode !== 202) throw await registryError(res, u.registry);
  await res.body.dump();
  const acked = header(res, 'range');
  const end = offset + chunk.length - 1;
  // "Range: 0-<end>" (the spec); some registries prefix "bytes=" as in HTTP ranges
  if (acked !== undefined && acked.replace(/^bytes=/, '') !== `0-${end}`) {
    throw new FailedPrecondition(`registry ${u.registry} acknowledged ${acked} of blob ${u.desc.digest} after bytes ${range} (expected 0-${end})`);
  }
  const next = header(res, 'location');
  return next === undefined ? url : new URL(next, url).toString();
}

/** Cancel an abandoned session so the registry can free it (spec: clients SHOULD, and SHOULD ignore failures). */
async function cancel(u: BlobUpload, url: string): Promise<void> {
  try {
    const res = await u.send({ url, method: 'DELETE', headers: { 'content-length': '0' } });
    await res.body.dump();
  } catch {
    // the session times out on the registry's side anyway
  }
}

/** The session URL with `digest=` added, keeping the registry's own query parameters. */
function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.toString();
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Re-slice a stream into buffers of exactly `size` bytes (the last one shorter). */
async function* chunksOf(source: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  try {
    for await (const piece of source) {
      let buf = piece as Buffer;
      while (held + buf.length >= size) {
        const take = size - held;
        parts.push(buf.subarray(0, take));
        yield parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        buf = buf.subarray(take);
        parts = [];
        held = 0;
      }
      if (buf.length > 0) {
        parts.push(buf);
        held += buf.length;
      }
    }
    if (held > 0) yield Buffer.concat(parts);
  } finally {
    source.destroy();
  }
}
