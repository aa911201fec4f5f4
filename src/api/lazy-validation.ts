/**
 * Route schemas compiled by their first request instead of at start. Fastify compiles every route's schemas
 * with Ajv when the server gets ready; for Pure's ~70 routes that costs an idle daemon ~8 MiB of RSS (Ajv itself
 * and the generated code: docs/benchmarks.md, idle-memory), mostly for routes it may never serve.
 *
 * The compiler is the one Fastify would use by default — @fastify/ajv-compiler, resolved from Fastify's own
 * location so it is the very copy and version Fastify depends on, with the same Ajv options — only deferred:
 * Ajv is loaded by the first validation, and each schema is compiled by the first request that needs it, then
 * kept. A schema Ajv rejects now fails that request (500) rather than the start; the API tests reach every route.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type FastifyValidatorFactory = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildValidator']>;
// @fastify/ajv-compiler's shapes, as far as this wrapper touches them (Ajv's ValidateFunction reports failures in .errors)
type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type Compile = (route: unknown) => Validate;
type ValidatorFactory = (externalSchemas: unknown, ajvOptions: unknown) => Compile;

const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** Fastify's `schemaController` option that compiles route schemas on first use. */
export function lazyValidation(): SchemaController {
  let defaultFactory: ValidatorFactory | undefined;
  const buildValidator: ValidatorFactory = (externalSchemas, ajvOptions) => {
    let compiler: Compile | undefined;
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data) => {
        if (!validate) {
          defaultFactory ??= (fromFastify('@fastify/ajv-compiler') as () => ValidatorFactory)();
          compiler ??= defaultFactory(externalSchemas, ajvOptions);
          validate = compiler(route);
        }
        const result = validate(data);
        // Fastify reads an Ajv-style failure from the function it was given
        lazy.errors = validate.errors;
        return result;
      };
      return lazy;
    };
  };
  return { compilersFactory: { buildValidator: buildValidator as unknown as FastifyValidatorFactory } };
}
