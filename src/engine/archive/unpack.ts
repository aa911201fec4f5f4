import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidArgument, isPureError } from '../../errors/index.js';
import { decompressed } from './decompress.js';
import { LayerWriter } from './layer-writer.js';

export interface UnpackOptions {
  signal?: AbortSignal;
}

export interface UnpackResult {
  /** `sha256:<hex>` of the uncompressed tar stream: the OCI diff id. */
  diffId: string;
  /** Sum of the sizes of the regular files unpacked (Docker's layer size). */
  size: number;
}

/**
 * Unpack one image layer (plain or gzip tar) into `dir`, which must exist and be empty. On error the
 * directory is left half-made: the caller owns it and deletes it. Hostile entries (escaping paths, escaping
 * links, writes through symlinks) are refused with InvalidArgument naming the entry.
 */
export async function unpackLayer(source: Readable, dir: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  opts.signal?.throwIfAborted();
  if ((await readdir(dir)).length > 0) throw new InvalidArgument(`cannot unpack a layer into "${dir}": not empty`);
  const tar = await decompressed(source);
  const hash = createHash('sha256');
  // tar-stream is loaded by the first unpack, not by the daemon's start (idle RSS)
  const { extract: tarExtract } = await import('tar-stream');
  const extract = tarExtract();
  const writer = new LayerWriter(dir);

  let failure: Error | undefined;
  const fail = (err: unknown): void => {
    failure ??= err instanceof Error ? err : new Error(String(err));
    extract.destroy(failure);
    tar.destroy(failure);
  };
  const onAbort = (): void => fail(opts.signal?.reason ?? new Error('aborted'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const feed = async (): Promise<void> => {
    for await (const chunk of tar) {
      const buf = chunk as Buffer;
      hash.update(buf);
      if (!extract.write(buf)) await drainedOrClosed(extract);
      if (failure !== undefined) return;
    }
    extract.end(null);
  };
  const consume = async (): Promise<void> => {
    for await (const entry of extract) await writer.apply(entry.header, entry);
  };
  try {
    await Promise.all([feed().catch(fail), consume().catch(fail)]);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) {
    if (isPureError(failure) || opts.signal?.aborted) throw failure;
    throw new InvalidArgument(`invalid layer archive: ${failure.message}`, { cause: failure });
  }
  await writer.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, size: writer.size };
}

function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
