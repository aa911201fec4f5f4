import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import type { ApiDeps } from '../deps.js';
import { ForceQuery, ImportQuery, RefParams, TagBody, truthy } from '../schemas.js';
import type { ImageSummary, LoadResponse } from '../types.js';

/** Tarball uploads arrive as the raw request stream: the image store reads it as it comes. */
export function imageRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addContentTypeParser(['application/x-tar', 'application/octet-stream', 'application/gzip'], (_req, payload, done) => {
      done(null, payload);
    });

    app.get('/images', { schema: { summary: 'List images' } }, async (): Promise<ImageSummary[]> =>
      deps.images.list().map((i) => ({ id: i.id, repoTags: i.repoTags, created: i.created, size: i.size })),
    );

    app.get('/images/:ref', { schema: { summary: 'Inspect an image', params: RefParams } }, async (req) => {
      const { ref } = req.params as Static<typeof RefParams>;
      return deps.images.get(ref);
    });

    app.post('/images/import', { schema: { summary: 'Import a rootfs tarball as an image (docker import; change= takes Dockerfile instructions)', querystring: ImportQuery } }, async (req, reply) => {
      const { ref, change } = req.query as Static<typeof ImportQuery>;
      const changes = change === undefined ? [] : Array.isArray(change) ? change : [change];
      const ac = new AbortController();
      req.raw.on('close', () => { if (!req.raw.complete) ac.abort(); });
      const image = await deps.images.importRootfs(req.body as Readable, ref, { signal: ac.signal, changes });
      return reply.code(201).send(image);
    });

    app.post('/images/load', { schema: { summary: 'Load a docker-save or OCI image-layout tarball' } }, async (req): Promise<LoadResponse> => {
      const ac = new AbortController();
      req.raw.on('close', () => { if (!req.raw.complete) ac.abort(); });
      const images = await deps.images.load(req.body as Readable, { signal: ac.signal });
      return { loaded: images.map((i) => ({ id: i.id, repoTags: i.repoTags })) };
    });

    app.post('/images/:ref/tag', { schema: { summary: 'Tag an image', params: RefParams, body: TagBody } }, async (req, reply) => {
      const { ref } = req.params as Static<typeof RefParams>;
      const { target } = req.body as Static<typeof TagBody>;
      deps.images.tag(ref, target);
      return reply.code(201).send({});
    });

    app.delete('/images/:ref', { schema: { summary: 'Remove an image', params: RefParams, querystring: ForceQuery } }, async (req) => {
      const { ref } = req.params as Static<typeof RefParams>;
      const { force } = req.query as Static<typeof ForceQuery>;
      return deps.images.remove(ref, { force: truthy(force), usedBy: (id) => deps.containers.usersOfImage(id) });
    });
  };
}
