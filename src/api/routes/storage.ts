/**
 * Image store upkeep: bootstrap base images on this host (progress as NDJSON, like pull), prune images and
 * unreferenced blobs, and `system df`.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { codeOf, messageOf } from '../../errors/index.js';
import { truthy } from '../schemas.js';
import type { ImagePruneResponse, SystemDfResponse, TransferLine } from '../types.js';

/** What the routes need from the engine (built in src/daemon/storage-adapter.ts). */
export interface StorageApi {
  bootstrap(source: string, opts: BootstrapOptions): Promise<{ id: string; ref: string }>;
  prune(opts: { all: boolean }): Promise<ImagePruneResponse>;
  df(): Promise<SystemDfResponse>;
}

export interface BootstrapOptions {
  /** Default: busybox:latest for busybox, the source itself for debian:SUITE. */
  ref?: string;
  include?: string[];
  mirror?: string;
  signal: AbortSignal;
  onProgress: (line: TransferLine) => void;
}

const BootstrapQuery = Type.Object({
  source: Type.String({ minLength: 1 }),
  ref: Type.Optional(Type.String({ minLength: 1 })),
  include: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))])),
  mirror: Type.Optional(Type.String({ minLength: 1 })),
});
const PruneQuery = Type.Object({ all: Type.Optional(Type.String()) });

export function storageRoutes(storage: StorageApi) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/images/bootstrap', { schema: { summary: 'Build a base image on this host: busybox (busybox-static) or debian:SUITE (debootstrap); NDJSON progress', querystring: BootstrapQuery } }, async (req, reply) => {
      const q = req.query as Static<typeof BootstrapQuery>;
      const include = q.include === undefined ? undefined : (Array.isArray(q.include) ? q.include : [q.include]).flatMap((p) => p.split(',')).filter(Boolean);
      const ac = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) ac.abort();
      });
      // The stream starts at once: a Debian bootstrap runs for minutes and the client should see it begin.
      const out = new PassThrough();
      void reply.type('application/x-ndjson').send(out);
      const line = (e: TransferLine): string => `${JSON.stringify(e)}\n`;
      out.write(line({ status: 'bootstrap', message: `Bootstrapping ${q.source}` }));
      try {
        const done = await storage.bootstrap(q.source, { ref: q.ref, include, mirror: q.mirror, signal: ac.signal, onProgress: (e) => out.write(line(e)) });
        out.end(line({ status: 'result', ...done }));
      } catch (e) {
        out.end(line({ status: 'error', error: { code: codeOf(e), message: messageOf(e) } }));
      }
      return reply;
    });

    app.post('/images/prune', { schema: { summary: 'Remove dangling images (all unused with ?all=1) and unreferenced blobs and layers', querystring: PruneQuery } }, async (req): Promise<ImagePruneResponse> => {
      const { all } = req.query as Static<typeof PruneQuery>;
      return storage.prune({ all: truthy(all) });
    });

    app.get('/system/df', { schema: { summary: 'Disk usage of images, containers and volumes' } }, async (): Promise<SystemDfResponse> => storage.df());
  };
}
