/**
 * `pure pull`: a manifest (through an index, for the platform asked) → its config → its layers, into the
 * image store. Blobs are staged in a private ContentStore under `<root>/tmp` (each verified against its
 * digest and size before it is kept), then `ImageService.install()` checks every layer's diff id, unpacks
 * it once and records the image. Layers download concurrently (bounded) and each is unpacked as soon as
 * it and the ones below it are there. Nothing reaches the store before its bytes are verified; a failed or
 * interrupted pull leaves only layers that were complete (so a second pull resumes from there) and no image.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PassThrough, Transform } from 'node:stream';
import { decompressed } from '../archive/index.js';
import { InvalidArgument, PureError, isPureError } from '../../errors/index.js';
import { ContentStore } from '../content/index.js';
import { parseManifestDocument, selectPlatform, type Credentials, type Descriptor, type ImageManifest, type Platform, type RegistryClient, type Repository } from '../registry/index.js';
import type { ImageService } from './image-service.js';
import { goArch } from './image-service.js';
import { formatReference, parseReference } from './reference.js';
import { limiter, shortDigest, throttledCounter, type ProgressSink } from './transfer-progress.js';
import type { ImageRecord, OciImageConfig } from './types.js';

export interface PullOptions {
  /** Default: this host (linux/<arch>). */
  platform?: Platform;
  credentials?: Credentials;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** Layers downloaded at once. Default 3, as Docker. */
  concurrency?: number;
}

export interface PullResult {
  image: ImageRecord;
  /** The digest of what the reference resolved to (the index, for a multi-platform image). */
  digest: string;
  /** The familiar reference pulled: `busybox:1`, `x@sha256:…`. */
  ref: string;
}

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const MAX_INDEX_DEPTH = 2;

export async function pullImage(images: ImageService, registry: RegistryClient, refText: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseReference(refText);
  const shown = formatReference(ref);
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = opts.onProgress ?? (() => undefined);
  try {
    const repo = registry.repository(ref.name, { credentials: opts.credentials, signal: ac.signal });
    const want = opts.platform ?? { os: 'linux', architecture: goArch() };
    const top = await repo.manifest(ref.digest ?? ref.tag ?? 'latest');
    const { manifest, digest: manifestDigest } = await resolveManifest(repo, top, want);
    progress({ status: 'resolved', message: `Digest: ${top.digest}` });
    const configBytes = await repo.blob(manifest.config, (body) => readAll(body, MAX_CONFIG_BYTES));
    const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
    if (configDigest !== manifest.config.digest) throw new InvalidArgument(`image config ${manifest.config.digest} does not match its digest (got ${configDigest})`);
    const config = parseConfig(configBytes, manifest);
    const digests = [...new Set([`${ref.name}@${top.digest}`, `${ref.name}@${manifestDigest}`])];
    const tags = ref.digest === undefined ? [shown] : [];
    const image = await fetchAndInstall(images, repo, { manifest, config, configBytes, tags, digests, ac, progress, concurrency: opts.concurrency ?? 3 });
    return { image, digest: top.digest, ref: shown };
  } catch (e) {
    ac.abort();
    throw withRef(`cannot pull "${shown}"`, e, opts.signal);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function resolveManifest(repo: Repository, fetched: { bytes: Buffer; contentType?: string; digest: string }, want: Platform): Promise<{ manifest: ImageManifest; digest: string }> {
  let current = fetched;
  for (let depth = 0; ; depth++) {
    const doc = parseManifestDocument(current.bytes, current.contentType);
    if (doc.kind === 'manifest') return { manifest: doc, digest: current.digest };
    if (depth >= MAX_INDEX_DEPTH) throw new InvalidArgument('image indexes are nested too deeply');
    const entry = selectPlatform(doc, want);
    current = await repo.manifest(entry.digest);
    if (current.bytes.length !== entry.size) throw new InvalidArgument(`manifest ${entry.digest} is ${current.bytes.length} bytes, the index says ${entry.size}`);
  }
}

interface InstallPlan {
  manifest: ImageManifest;
  config: OciImageConfig;
  configBytes: Buffer;
  tags: string[];
  digests: string[];
  ac: AbortController;
  progress: ProgressSink;
  concurrency: number;
}

async function fetchAndInstall(images: ImageService, repo: Repository, plan: InstallPlan): Promise<ImageRecord> {
  const { manifest, config, progress } = plan;
  const scratch = await images.scratchDir();
  const staged = new ContentStore({ root: scratch });
  const limit = limiter(plan.concurrency);
  const downloads = new Map<string, Promise<string>>();
  const fetchLayer = (desc: Descriptor): Promise<string> => {
    let p = downloads.get(desc.digest);
    if (p === undefined) {
      const id = shortDigest(desc.digest);
      progress({ status: 'waiting', id, total: desc.size });
      p = limit(() => download(repo, staged, desc, progress));
      // awaited later by install(); a failure before then must not be an unhandled rejection
      p.catch(() => undefined);
      downloads.set(desc.digest, p);
    }
    return p;
  };
  try {
    const openers: (() => Promise<Readable>)[] = [];
    for (const [i, desc] of manifest.layers.entries()) {
      const diffId = config.rootfs.diff_ids[i] ?? '';
      const id = shortDigest(desc.digest);
      if (await images.content.has(diffId)) {
        // the uncompressed layer is already in the store (another image has it): nothing to download
        progress({ status: 'exists', id });
        openers.push(() => Promise.resolve(createReadStream(images.content.path(diffId))));
        continue;
      }
      const ready = fetchLayer(desc);
      openers.push(async () => {
        const path = await ready;
        progress({ status: 'extracting', id });
        // decompressed here rather than by the layer store, so a corrupt gzip/zstd stream names its layer
        return namedErrors(await decompressed(createReadStream(path)), `layer ${desc.digest}`);
      });
    }
    const image = await images.install(plan.configBytes, openers, plan.tags, { signal: plan.ac.signal, repoDigests: plan.digests });
    progress({ status: 'done', message: `Status: Downloaded ${plan.tags[0] ?? plan.digests[0] ?? image.id}` });
    return image;
  } finally {
    plan.ac.abort();
    await Promise.allSettled(downloads.values());
    await rm(scratch, { recursive: true, force: true });
  }
}

async function download(repo: Repository, staged: ContentStore, desc: Descriptor, progress: ProgressSink): Promise<string> {
  const id = shortDigest(desc.digest);
  await repo.blob(desc, async (body) => {
    const counter = throttledCounter((current) => progress({ status: 'downloading', id, current, total: desc.size }));
    const counted = body.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          counter.add(chunk.length);
          done(null, chunk);
        },
      }),
    );
    body.on('error', (e) => counted.destroy(e));
    // pipe() re-emits a source error on a destination nobody listens to any more (the store stopped reading
    // at the first error): without this the second emission would be an uncaught exception in the daemon
    counted.on('error', () => undefined);
    await staged.write(counted, { digest: desc.digest, size: desc.size });
    counter.flush();
  });
  progress({ status: 'verified', id });
  return staged.path(desc.digest);
}

function parseConfig(bytes: Buffer, manifest: ImageManifest): OciImageConfig {
  let config: OciImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as OciImageConfig;
  } catch {
    throw new InvalidArgument(`image config ${manifest.config.digest} is not JSON`);
  }
  const n = config?.rootfs?.diff_ids?.length;
  if (n !== manifest.layers.length) throw new InvalidArgument(`image config lists ${String(n)} layers, the manifest ${manifest.layers.length}`);
  return config;
}

/** Read a small blob, checking its digest: the config is not staged through the content store. */
async function readAll(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Buffer).length;
    if (n > max) throw new InvalidArgument(`the image config is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The same bytes; an error on `source` comes out prefixed with `what` (its code kept). */
function namedErrors(source: Readable, what: string): Readable {
  // pipe, not pipeline: pipeline would destroy `out` with the unnamed error before we could name it
  const out = new PassThrough();
  source.on('error', (err) => out.destroy(isPureError(err) ? new PureError(err.code, `${what}: ${err.message}`, { cause: err }) : err));
  out.on('close', () => source.destroy());
  return source.pipe(out);
}

/** Prefix the message with what was being done; keep the error's code (the API maps it). */
export function withRef(what: string, e: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return e;
  if (isPureError(e)) return new PureError(e.code, `${what}: ${e.message}`, { cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new PureError('unavailable', `${what}: ${msg}`, { cause: e });
}
