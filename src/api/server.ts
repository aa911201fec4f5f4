/**
 * The daemon's HTTP layer: Fastify with one plugin per API area under /v1, the WebSocket upgrades for
 * attach/exec, and the one error handler that maps domain error codes to statuses.
 */
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { codeOf, messageOf, isPureError } from '../errors/index.js';
import type { ApiDeps } from './deps.js';
import { statusOf } from './errors.js';
import { ExecRegistry } from './exec-registry.js';
import { OpenApiCollector } from './openapi.js';
import { lazySchemaController } from './lazy-schemas.js';
import { attachUpgradeHandler } from './streams.js';
import { systemRoutes } from './routes/system.js';
import { imageRoutes } from './routes/images.js';
import { containerRoutes } from './routes/containers.js';
import { registryRoutes } from './routes/registry.js';
import { volumeRoutes } from './routes/volumes.js';
import { networkRoutes } from './routes/networks.js';
import { jobRoutes } from './routes/jobs.js';
import { storageRoutes } from './routes/storage.js';
import { eventRoutes } from './routes/events.js';
import { stackRoutes } from './routes/stacks.js';
import type { ApiError } from './types.js';

export const API_VERSION = '1';

export function buildApi(deps: ApiDeps, opts: { logger?: boolean } = {}): FastifyInstance {
  // schemas are compiled by a route's first request, not here: an idle daemon keeps no Ajv (lazy-schemas.ts)
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 16 * 1024 * 1024, forceCloseConnections: true, schemaController: lazySchemaController() });
  const execs = new ExecRegistry();
  const openapi = new OpenApiCollector();
  app.addHook('onRoute', openapi.onRoute);

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    let body: ApiError;
    let status: number;
    if (isPureError(err)) {
      body = { code: err.code, message: err.message };
      status = statusOf(err.code);
    } else if (err.validation) {
      body = { code: 'invalid_argument', message: `invalid request: ${err.message}` };
      status = 400;
    } else if (typeof err.statusCode === 'number' && err.statusCode < 500) {
      body = { code: err.statusCode === 404 ? 'not_found' : 'invalid_argument', message: messageOf(err) };
      status = err.statusCode;
    } else {
      body = { code: codeOf(err), message: messageOf(err) };
      status = 500;
      app.log.error(err);
    }
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ code: 'not_found', message: `no such endpoint: ${req.method} ${req.url}` } satisfies ApiError);
  });

  void app.register(
    async (v1) => {
      await v1.register(systemRoutes(deps));
      await v1.register(imageRoutes(deps));
      await v1.register(containerRoutes(deps, execs));
      if (deps.registry) await v1.register(registryRoutes(deps.registry));
      await v1.register(volumeRoutes(deps));
      await v1.register(networkRoutes(deps));
      if (deps.jobs) await v1.register(jobRoutes(deps.jobs));
      if (deps.storage) await v1.register(storageRoutes(deps.storage));
      if (deps.events) await v1.register(eventRoutes(deps.events));
      if (deps.stacks) await v1.register(stackRoutes(deps.stacks));
      v1.get('/openapi.json', { schema: { summary: 'This document' } }, async () => openapi.document(deps.version().version));
    },
    { prefix: '/v1' },
  );

  const onUpgrade = attachUpgradeHandler(deps, execs);
  app.server.on('upgrade', onUpgrade);
  // upgraded sockets are not the HTTP server's any more: close them ourselves, or close() would wait forever
  app.addHook('preClose', (done) => {
    onUpgrade.closeAll();
    done();
  });
  return app;
}
