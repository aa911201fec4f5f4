import { PassThrough, Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgument, isPureError } from '../../errors/index.js';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

/**
 * The uncompressed bytes of a layer, by its magic: gzip (1f 8b) is inflated with node:zlib, zstd
 * (28 b5 2f fd) with zstd-napi (node:zlib on Node 20 has no zstd; zstd-napi is the libzstd binding named in
 * DESIGN.md, built by npm from source), anything else is passed through unchanged. Registries and `docker save`
 * mix them, and media types lie often enough that sniffing is what Docker does too. A truncated or corrupt
 * stream is an InvalidArgument on the returned stream, naming the compression and libzstd's/zlib's reason.
 */
export async function decompressed(source: Readable): Promise<Readable> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < ZSTD_MAGIC.length) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    chunks.push(chunk);
    head = Buffer.concat(chunks);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
  }
  const raw = Readable.from(all(), { objectMode: false });
  const kind = startsWith(head, GZIP_MAGIC) ? 'gzip' : startsWith(head, ZSTD_MAGIC) ? 'zstd' : undefined;
  if (kind === undefined) return raw;
  // loaded on first use: a daemon that never meets a zstd layer never loads the native addon
  const inflate = kind === 'gzip' ? createGunzip() : new (await import('zstd-napi')).DecompressStream();
  const out = new PassThrough();
  // Errors on either side destroy the other and reach the consumer as one InvalidArgument on `out` (which
  // is outside the pipeline: pipeline would destroy it with the raw zlib/libzstd error first).
  pipeline(raw, inflate, (err) => {
    if (err) out.destroy(isPureError(err) ? err : new InvalidArgument(`the layer is not valid ${kind}: ${reasonOf(err)}`, { cause: err }));
  });
  out.on('close', () => inflate.destroy());
  return inflate.pipe(out);
}

/** zlib's and libzstd's messages as one lower-case clause ("unexpected end of file"). */
function reasonOf(err: Error): string {
  const text = err.message.split('\n')[0] ?? '';
  return text.charAt(0).toLowerCase() + text.slice(1);
}
