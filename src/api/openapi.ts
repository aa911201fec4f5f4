/**
 * The OpenAPI 3.1 document, built from the routes Fastify actually registered (collected by an onRoute hook)
 * and their TypeBox schemas: it cannot describe a route the daemon does not serve.
 */
import type { RouteOptions } from 'fastify';
import { ERROR_CODES } from '../errors/index.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
  }
}

interface Collected {
  method: string;
  url: string;
  schema: { summary?: string; params?: { properties?: Record<string, unknown> }; querystring?: { properties?: Record<string, unknown> }; body?: unknown };
}

export class OpenApiCollector {
  readonly routes: Collected[] = [];

  onRoute = (route: RouteOptions): void => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      this.routes.push({ method: method.toLowerCase(), url: route.url, schema: (route.schema ?? {}) as Collected['schema'] });
    }
  };

  document(version: string): object {
    const paths: Record<string, Record<string, object>> = {};
    for (const r of this.routes) {
      if (r.url.endsWith('/openapi.json')) continue;
      const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const parameters = [
        ...Object.entries(r.schema.params?.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
        ...Object.entries(r.schema.querystring?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
      ];
      (paths[path] ??= {})[r.method] = {
        summary: r.schema.summary ?? '',
        ...(parameters.length ? { parameters } : {}),
        ...(r.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.schema.body } } } } : {}),
        responses: {
          '200': { description: 'OK' },
          default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      };
    }
    const attach = (paths['/v1/containers/{id}/attach'] ??= {});
    attach.get = { summary: "WebSocket: attach to a container's stdio (?logs=1 replays; ?next=1: the client starts it next, follow that run)", responses: { '101': { description: 'Switching Protocols' } } };
    const post = attach.post as { responses?: Record<string, object> } | undefined;
    if (post?.responses) {
      post.responses['200'] = {
        description: 'frames of [type (1 stdout, 2 stderr, 3 an exit or error message as JSON), 0, 0, 0, length as uint32 BE] then the payload',
        content: { 'application/vnd.pure.multiplexed-stream': { schema: { type: 'string', format: 'binary' } } },
      };
    }
    paths['/v1/exec/{execId}/start'] = { get: { summary: 'WebSocket: run a prepared exec and stream its stdio', responses: { '101': { description: 'Switching Protocols' } } } };
    return {
      openapi: '3.1.0',
      info: { title: 'Pure API', version },
      paths,
      components: {
        schemas: {
          Error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string', enum: [...ERROR_CODES] }, message: { type: 'string' } },
          },
        },
      },
    };
  }
}
