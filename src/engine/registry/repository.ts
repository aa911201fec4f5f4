/**
 * One repository on one registry, as the OCI distribution spec sees it: manifests by tag or digest, blobs
 * by digest, uploads. Every call retries transient failures (429, 5xx, reset connections) with backoff,
 * and every byte read from the registry is bounded and checked against the digest that named it.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform, pipeline } from 'node:stream';
import { InvalidArgument } from '../../errors/index.js';
import { DEFAULT_CHUNK_SIZE, putChunked, putMonolithic, type UploadSend } from './blob-upload.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import type { Descriptor } from './manifest.js';
import { withRetry, type RetryOptions } from './retry.js';
import { readLimited, registryError, type Credentials, type Response, type Transport } from './transport.js';

/** The spec's limit for manifests a registry must accept; Pure refuses larger ones (a hostile answer). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RepositoryOptions {
  credentials?: Credentials;
  /** Ask for push rights too (the token scope becomes `pull,push`). */
  push?: boolean;
  retry?: Omit<RetryOptions, 'signal'>;
  /**
   * Blobs larger than this many bytes are uploaded in chunks of this size (PATCH … PUT), smaller ones in one
   * PUT. 0 uploads every blob in one PUT. Default 16 MiB (DEFAULT_CHUNK_SIZE); a registry's
   * `OCI-Chunk-Min-Length` raises it.
   */
  chunkSize?: number;
  signal?: AbortSignal;
}

export interface FetchedManifest {
  bytes: Buffer;
  /** The Content-Type the registry sent. */
  contentType?: string;
  /** sha256 of the bytes (checked against the reference when it is a digest). */
  digest: string;
}

export class Repository {
  private readonly scopes: string[];
  /** The registry's `OCI-Chunk-Min-Length`, from its last answer to an upload POST. */
  private chunkMinLength = 0;

  constructor(
    private readonly transport: Transport,
    readonly registry: string,
    readonly path: string,
    private readonly opts: RepositoryOptions = {},
  ) {
    this.scopes = [`repository:${path}:${opts.push ? 'pull,push' : 'pull'}`];
  }

  /** GET a manifest or index by tag or digest; by digest, the bytes must hash to it. */
  async manifest(reference: string): Promise<FetchedManifest> {
    return this.retry(async () => {
      const res = await this.send({ path: `/v2/${this.path}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT } });
      if (res.statusCode !== 200) throw await registryError(res, this.registry);
      const bytes = await readLimited(res, MAX_MANIFEST_BYTES, 'manifest');
      const digest = sha256(bytes);
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw new InvalidArgument(`manifest ${reference} does not match its digest (the registry sent bytes hashing to ${digest})`);
      }
      const header = res.headers['docker-content-digest'];
      if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
        throw new InvalidArgument(`manifest digest mismatch: the registry says ${header}, the bytes hash to ${digest}`);
      }
      const type = res.headers['content-type'];
      return { bytes, digest, contentType: typeof type === 'string' ? type : undefined };
    });
  }

  /**
   * Stream a blob into `sink`, capped at the descriptor's size; the caller checks the digest (the content
   * store does, before it commits). Retried as a whole, `sink` included, so it must start afresh each time.
   */
  async blob<T>(desc: Descriptor, sink: (body: Readable) => Promise<T>): Promise<T> {
    return this.retry(async () => {
      const res = await this.send({ path: `/v2/${this.path}/blobs/${desc.digest}` });
      if (res.statusCode !== 200) throw await registryError(res, this.registry);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared !== desc.size) {
        res.body.destroy();
        throw new InvalidArgument(`blob ${desc.digest}: the registry announces ${declared} bytes, the manifest says ${desc.size}`);
      }
      // pipeline, not pipe: a reset connection must reach the reader as an error, not as a short blob
      const body = capped(desc);
      // a socket error can come after the pipeline settled (the reader gave up first): never uncaught
      res.body.on('error', () => undefined);
      pipeline(res.body, body, () => undefined);
      return sink(body);
    });
  }

  async hasBlob(digest: string): Promise<boolean> {
    return this.retry(async () => {
      const res = await this.send({ path: `/v2/${this.path}/blobs/${digest}`, method: 'HEAD' });
      await res.body.dump();
      if (res.statusCode === 200) return true;
      if (res.statusCode === 404) return false;
      throw await registryError(res, this.registry);
    });
  }

  /**
   * Start an upload; with `mountFrom`, ask the registry to link the blob from another repository of its
   * own instead (spec: "Mounting a blob from another repository"). Resolves `mounted` or an upload URL.
   */
  async startUpload(mountFrom?: { digest: string; repository: string }): Promise<{ mounted: true } | { mounted: false; location: string }> {
    return this.retry(async () => {
      const query = mountFrom ? `?mount=${encodeURIComponent(mountFrom.digest)}&from=${encodeURIComponent(mountFrom.repository)}` : '';
      const scopes = mountFrom ? [...this.scopes, `repository:${mountFrom.repository}:pull`] : this.scopes;
      const res = await this.send({ path: `/v2/${this.path}/blobs/uploads/${query}`, method: 'POST', headers: { 'content-length': '0' }, scopes });
      if (res.statusCode === 201) {
        await res.body.dump();
        return { mounted: true as const };
      }
      if (res.statusCode !== 202) throw await registryError(res, this.registry);
      await res.body.dump();
      const min = Number(res.headers['oci-chunk-min-length']);
      if (Number.isSafeInteger(min) && min > 0) this.chunkMinLength = min;
      const location = res.headers.location;
      if (typeof location !== 'string') throw new InvalidArgument(`registry ${this.registry} started an upload without a Location`);
      return { mounted: false as const, location };
    });
  }

  /**
   * Upload a blob to the session `startUpload()` opened: one PUT when it is no larger than the chunk size,
   * else PATCH chunk by chunk and a closing PUT (see blob-upload.ts). Not retried here: a failed upload
   * session cannot be resumed, so the caller retries from `startUpload()`.
   */
  async putBlob(location: string, desc: { digest: string; size: number }, open: () => Readable): Promise<void> {
    const url = (await this.transport.urlOf(this.registry, location, this.opts.signal)).toString();
    const send: UploadSend = (r) => this.send({ path: r.url, method: r.method, headers: r.headers, body: r.body });
    const upload = { registry: this.registry, url, desc, open, send };
    const configured = this.opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (configured === 0 || desc.size <= configured) return putMonolithic(upload);
    return putChunked(upload, Math.max(configured, this.chunkMinLength));
  }

  /** PUT a manifest under a tag (or digest); resolves with the digest the registry stored it under. */
  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    return this.retry(async () => {
      const res = await this.send({
        path: `/v2/${this.path}/manifests/${reference}`,
        method: 'PUT',
        headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
        body: () => bytes,
      });
      if (res.statusCode !== 201) throw await registryError(res, this.registry);
      await res.body.dump();
      const digest = sha256(bytes);
      const stored = res.headers['docker-content-digest'];
      if (typeof stored === 'string' && stored !== digest) throw new InvalidArgument(`registry stored the manifest as ${stored}, expected ${digest}`);
      return digest;
    });
  }

  /** Run `what` with this repository's retry policy. */
  retry<T>(what: () => Promise<T>): Promise<T> {
    return withRetry(what, { ...this.opts.retry, signal: this.opts.signal });
  }

  private send(r: { path: string; method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; headers?: Record<string, string>; body?: () => Buffer | Readable; scopes?: string[] }): Promise<Response> {
    return this.transport.send({
      registry: this.registry,
      path: r.path,
      method: r.method,
      headers: r.headers,
      body: r.body,
      scopes: r.scopes ?? this.scopes,
      credentials: this.opts.credentials,
      signal: this.opts.signal,
    });
  }
}

/** Pass at most `desc.size` bytes; more is an error (a hostile registry must not fill the disk). */
function capped(desc: Descriptor): Transform {
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      if (n > desc.size) done(new InvalidArgument(`blob ${desc.digest} is larger than the ${desc.size} bytes its manifest declares`));
      else done(null, chunk);
    },
  });
  // the reader sees the error through its own listener or iterator; this one only keeps an error raised
  // while no reader is attached (between retries, after an abort) from becoming an uncaught exception
  t.on('error', () => undefined);
  return t;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
