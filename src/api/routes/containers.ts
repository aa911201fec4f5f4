import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import type { ApiDeps } from '../deps.js';
import {
  AttachQuery, ContainerCreateBody, ContainerRemoveQuery, ExecCreateBody, IdParams, ListQuery, LogsQuery, SignalQuery, StatsQuery, TimeoutQuery, truthy,
} from '../schemas.js';
import type { ContainerCreateRequest, ExecCreateRequest } from '../types.js';
import type { ExecRegistry } from '../exec-registry.js';
import { ATTACH_STREAM_TYPE, attachOverHttp } from '../streams.js';

export function containerRoutes(deps: ApiDeps, execs: ExecRegistry) {
  const c = deps.containers;
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/containers', { schema: { summary: 'Create a container', body: ContainerCreateBody } }, async (req, reply) =>
      reply.code(201).send(await c.create(req.body as ContainerCreateRequest)),
    );

    app.get('/containers', { schema: { summary: 'List containers', querystring: ListQuery } }, async (req) => {
      const q = req.query as Static<typeof ListQuery>;
      const filters = q.filter === undefined ? [] : Array.isArray(q.filter) ? q.filter : [q.filter];
      return c.list({ all: truthy(q.all), filters });
    });

    app.get('/containers/:id', { schema: { summary: 'Inspect a container', params: IdParams } }, async (req) =>
      c.inspect((req.params as Static<typeof IdParams>).id),
    );

    const action = (path: string, summary: string, fn: (id: string, q: Record<string, unknown>) => Promise<unknown>, querystring?: object) =>
      app.post(path, { schema: { summary, params: IdParams, ...(querystring ? { querystring } : {}) } }, async (req) => {
        await fn((req.params as Static<typeof IdParams>).id, req.query as Record<string, unknown>);
        return {};
      });
    action('/containers/:id/start', 'Start a container', (id) => c.start(id));
    action('/containers/:id/stop', 'Stop: the stop signal, a grace period, then SIGKILL', (id, q) => c.stop(id, q.timeout as number | undefined), TimeoutQuery);
    action('/containers/:id/restart', 'Restart a container', (id, q) => c.restart(id, q.timeout as number | undefined), TimeoutQuery);
    action('/containers/:id/kill', 'Send a signal (default SIGKILL)', (id, q) => c.kill(id, (q.signal as string | undefined) ?? 'SIGKILL'), SignalQuery);
    action('/containers/:id/pause', 'Freeze every process of a container', (id) => c.pause(id));
    action('/containers/:id/unpause', 'Thaw a paused container', (id) => c.unpause(id));

    app.post('/containers/:id/wait', { schema: { summary: 'Wait until a container stops', params: IdParams } }, async (req) => {
      const ac = new AbortController();
      req.raw.on('close', () => ac.abort());
      return c.wait((req.params as Static<typeof IdParams>).id, ac.signal);
    });

    app.delete('/containers/:id', { schema: { summary: 'Remove a container (v=1: and its anonymous volumes)', params: IdParams, querystring: ContainerRemoveQuery } }, async (req) => {
      const q = req.query as Static<typeof ContainerRemoveQuery>;
      await c.remove((req.params as Static<typeof IdParams>).id, { force: truthy(q.force), volumes: truthy(q.v) });
      return {};
    });

    app.get('/containers/:id/logs', { schema: { summary: 'Log entries as NDJSON (stdout and stderr kept apart)', params: IdParams, querystring: LogsQuery } }, async (req, reply) => {
      const { id } = req.params as Static<typeof IdParams>;
      const q = req.query as Static<typeof LogsQuery>;
      const ac = new AbortController();
      req.raw.on('close', () => ac.abort());
      const entries = c.logs(id, {
        follow: truthy(q.follow),
        tail: q.tail === undefined || q.tail === 'all' ? undefined : q.tail,
        stdout: q.stdout === undefined ? true : truthy(q.stdout),
        stderr: q.stderr === undefined ? true : truthy(q.stderr),
        signal: ac.signal,
      });
      const lines = Readable.from((async function* () {
        for await (const e of entries) yield `${JSON.stringify(e)}\n`;
      })());
      return reply.type('application/x-ndjson').send(lines);
    });

    // (GET with an Upgrade header is the WebSocket attach, served by streams.ts beside Fastify)
    app.post('/containers/:id/attach', {
      schema: {
        summary: 'Output as one HTTP stream of multiplexed frames, ending with the exit frame (start=1: start it once subscribed; logs=1: replay)',
        params: IdParams,
        querystring: AttachQuery,
      },
    }, async (req, reply) => {
      const q = req.query as Static<typeof AttachQuery>;
      const body = await attachOverHttp(deps, (req.params as Static<typeof IdParams>).id, { replay: truthy(q.logs), start: truthy(q.start), res: reply.raw });
      return reply.type(ATTACH_STREAM_TYPE).send(body);
    });

    app.get('/containers/:id/stats', { schema: { summary: 'cgroup statistics: one sample, or NDJSON once a second', params: IdParams, querystring: StatsQuery } }, async (req, reply) => {
      const { id } = req.params as Static<typeof IdParams>;
      if (!truthy((req.query as Static<typeof StatsQuery>).stream)) return c.stats(id);
      c.resolve(id);
      const ac = new AbortController();
      req.raw.on('close', () => ac.abort());
      const lines = Readable.from((async function* () {
        for (let i = 0; i < 86_400 && !ac.signal.aborted; i++) {
          yield `${JSON.stringify(await c.stats(id))}\n`;
          await new Promise((r) => setTimeout(r, 900));
        }
      })());
      return reply.type('application/x-ndjson').send(lines);
    });

    app.post('/containers/:id/exec', { schema: { summary: 'Prepare a process to run in a container (start it with the exec WebSocket)', params: IdParams, body: ExecCreateBody } }, async (req, reply) => {
      const { id } = req.params as Static<typeof IdParams>;
      const rec = c.resolve(id);
      return reply.code(201).send({ id: execs.add(rec.id, req.body as ExecCreateRequest) });
    });
  };
}
