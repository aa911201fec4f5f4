/**
 * Route schemas compiled by their first request instead of at start. Fastify compiles every route's schemas
 * with Ajv when the server gets ready, and loads its response serializer compiler (fast-json-stringify, which
 * loads Ajv too) whether or not a route has a response schema. For Pure's ~70 routes that costs an idle daemon
 * ~8 MiB of RSS (Ajv, its generated code: docs/benchmarks.md, idle-memory), mostly for routes it may never serve.
 *
 * The compilers are the ones Fastify would use by default — @fastify/ajv-compiler and
 * @fastify/fast-json-stringify-compiler, resolved from Fastify's own location so they are the very copies and
 * versions Fastify depends on, given the same options — only deferred: a compiler is loaded by the first schema
 * that needs it, and each schema is compiled by the first request that needs it, then kept. A schema Ajv
 * rejects now fails that request (500) rather than the start; test/api.test.ts requests every route.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type CompilersFactory = NonNullable<SchemaController['compilersFactory']>;
// the compilers' shapes, as far as this wrapper touches them (Ajv's ValidateFunction reports failures in .errors)
type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type Serialize = (doc: unknown) => string;
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F;

const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** Fastify's `schemaController` option that compiles route schemas on first use. */
export function lazySchemaController(): SchemaController {
  let validators: Factory<Validate> | undefined;
  let serializers: Factory<Serialize> | undefined;
  const buildValidator: Factory<Validate> = (externalSchemas, options) => {
    let compile: ((route: unknown) => Validate) | undefined;
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data) => {
        if (!validate) {
          validators ??= (fromFastify('@fastify/ajv-compiler') as () => Factory<Validate>)();
          compile ??= validators(externalSchemas, options);
          validate = compile(route);
        }
        const result = validate(data);
        // Fastify reads an Ajv-style failure from the function it was given
        lazy.errors = validate.errors;
        return result;
      };
      return lazy;
    };
  };
  const buildSerializer: Factory<Serialize> = (externalSchemas, options) => {
    let compile: ((route: unknown) => Serialize) | undefined;
    return (route) => {
      let serialize: Serialize | undefined;
      return (doc) => {
        if (!serialize) {
          serializers ??= (fromFastify('@fastify/fast-json-stringify-compiler') as () => Factory<Serialize>)();
          compile ??= serializers(externalSchemas, options);
          serialize = compile(route);
        }
        return serialize(doc);
      };
    };
  };
  return {
    compilersFactory: {
      buildValidator: buildValidator as unknown as CompilersFactory['buildValidator'],
      buildSerializer: buildSerializer as unknown as CompilersFactory['buildSerializer'],
    },
  };
}
