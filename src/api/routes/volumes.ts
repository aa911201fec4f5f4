import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { ForceQuery, VolumeCreateBody, VolumeListQuery, VolumeParams, VolumePruneQuery, truthy } from '../schemas.js';
import type { Volume, VolumeCreateRequest, VolumePruneResponse } from '../types.js';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Volumes of the local driver: create, list, inspect, remove, prune (src/engine/volume). */
export function volumeRoutes(deps: ApiDeps) {
  const v = deps.volumes;
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/volumes', { schema: { summary: 'Create a volume (an existing name is returned as is)', body: VolumeCreateBody } }, async (req, reply) =>
      reply.code(201).send(v.create((req.body ?? {}) as VolumeCreateRequest) satisfies Volume),
    );

    app.get('/volumes', { schema: { summary: 'List volumes', querystring: VolumeListQuery } }, async (req): Promise<Volume[]> =>
      v.list(list((req.query as Static<typeof VolumeListQuery>).filter)),
    );

    app.get('/volumes/:name', { schema: { summary: 'Inspect a volume', params: VolumeParams } }, async (req): Promise<Volume> =>
      v.get((req.params as Static<typeof VolumeParams>).name),
    );

    app.delete('/volumes/:name', { schema: { summary: 'Remove a volume no container uses', params: VolumeParams, querystring: ForceQuery } }, async (req) => {
      await v.remove((req.params as Static<typeof VolumeParams>).name, { force: truthy((req.query as Static<typeof ForceQuery>).force) });
      return {};
    });

    app.post('/volumes/prune', { schema: { summary: 'Remove unused anonymous volumes (all=1: unused named ones too)', querystring: VolumePruneQuery } }, async (req): Promise<VolumePruneResponse> => {
      const q = req.query as Static<typeof VolumePruneQuery>;
      return v.prune({ all: truthy(q.all), filters: list(q.filter) });
    });
  };
}
