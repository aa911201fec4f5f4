import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgument } from '../../errors/index.js';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

/**
 * The uncompressed bytes of a layer: gzip is recognised by its magic (1f 8b) and inflated, anything else is
 * passed through unchanged. Registries and `docker save` mix both, and media types lie often enough that
 * sniffing is what Docker does too. zstd (28 b5 2f fd) is rejected by name: node:zlib on Node 20 has no zstd.
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
  if (startsWith(head, ZSTD_MAGIC)) {
    source.destroy();
    throw new InvalidArgument('unsupported layer compression: zstd (only plain tar and gzip are supported)');
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
  if (!startsWith(head, GZIP_MAGIC)) return raw;
  const gunzip = createGunzip();
  // Errors on either side destroy the other; the consumer sees them on the gunzip stream it reads.
  pipeline(raw, gunzip, () => undefined);
  return gunzip;
}
