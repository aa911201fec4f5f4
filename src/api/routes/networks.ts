import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { ApiDeps } from '../deps.js';
import { NetworkConnectBody, NetworkCreateBody, NetworkDisconnectBody, RefParams } from '../schemas.js';
import type { NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest, NetworkInspect, NetworkPruneResponse } from '../types.js';

/** Networks: bridge networks over CNI, plus the pre-defined host and none. */
export function networkRoutes(deps: ApiDeps) {
  const n = deps.networks;
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/networks', { schema: { summary: 'List networks' } }, async (): Promise<NetworkInspect[]> => n.list());

    app.post('/networks', { schema: { summary: 'Create a bridge network', body: NetworkCreateBody } }, async (req, reply) =>
      reply.code(201).send(await n.create(req.body as NetworkCreateRequest)),
    );

    app.post('/networks/prune', { schema: { summary: 'Remove the networks no container uses' } }, async (): Promise<NetworkPruneResponse> => n.prune());

    app.get('/networks/:ref', { schema: { summary: 'Inspect a network', params: RefParams } }, async (req) =>
      n.inspect((req.params as Static<typeof RefParams>).ref),
    );

    app.delete('/networks/:ref', { schema: { summary: 'Remove a network (refused while a container uses it)', params: RefParams } }, async (req) => {
      await n.remove((req.params as Static<typeof RefParams>).ref);
      return {};
    });

    app.post('/networks/:ref/connect', { schema: { summary: 'Connect a container to a network', params: RefParams, body: NetworkConnectBody } }, async (req) => {
      await n.connect((req.params as Static<typeof RefParams>).ref, req.body as NetworkConnectRequest);
      return {};
    });

    app.post('/networks/:ref/disconnect', { schema: { summary: 'Disconnect a container from a network', params: RefParams, body: NetworkDisconnectBody } }, async (req) => {
      await n.disconnect((req.params as Static<typeof RefParams>).ref, req.body as NetworkDisconnectRequest);
      return {};
    });
  };
}
