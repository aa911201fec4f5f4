import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';

export function systemRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/_ping', { schema: { summary: 'Is the daemon up?' } }, async (_req, reply) => reply.type('text/plain').send('OK'));
    app.get('/version', { schema: { summary: 'Versions of Pure and the parts it drives' } }, async () => deps.version());
  };
}
