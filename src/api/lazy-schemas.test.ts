import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { lazySchemaController } from './lazy-schemas.js';

function app() {
  const a = Fastify({ schemaController: lazySchemaController() });
  a.post(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ pattern: '^[a-z]+$' }) }),
        querystring: Type.Object({ n: Type.Optional(Type.Integer({ minimum: 1 })) }),
        body: Type.Object({ name: Type.String() }, { additionalProperties: false }),
      },
    },
    async (req) => ({ params: req.params, query: req.query, body: req.body }),
  );
  return a;
}

void test('lazily compiled schemas validate and coerce as Fastify does by default', async () => {
  const a = app();
  await a.ready();
  const ok = await a.inject({ method: 'POST', url: '/things/abc?n=3', payload: { name: 'x' } });
  assert.equal(ok.statusCode, 200);
  // querystring coerced to a number, as with Fastify's default Ajv options
  assert.deepEqual(ok.json(), { params: { id: 'abc' }, query: { n: 3 }, body: { name: 'x' } });

  const badQuery = await a.inject({ method: 'POST', url: '/things/abc?n=zero', payload: { name: 'x' } });
  assert.equal(badQuery.statusCode, 400);
  assert.match(badQuery.json<{ message: string }>().message, /querystring\/n must be integer/);

  const badParam = await a.inject({ method: 'POST', url: '/things/ABC', payload: { name: 'x' } });
  assert.equal(badParam.statusCode, 400);
  assert.match(badParam.json<{ message: string }>().message, /params\/id must match pattern/);

  const badBody = await a.inject({ method: 'POST', url: '/things/abc', payload: {} });
  assert.equal(badBody.statusCode, 400);
  assert.match(badBody.json<{ message: string }>().message, /body must have required property 'name'/);

  // a validator compiled once keeps reporting each request's own errors
  const okAgain = await a.inject({ method: 'POST', url: '/things/def?n=1', payload: { name: 'y' } });
  assert.equal(okAgain.statusCode, 200);
  await a.close();
});

void test('a route never requested is never compiled: a schema Ajv rejects fails only its own requests', async () => {
  const a = Fastify({ schemaController: lazySchemaController() });
  a.get('/broken', { schema: { querystring: { type: 'object', properties: { x: { type: 'no-such-type' } } } } }, async () => ({}));
  a.get('/fine', async () => ({ ok: true }));
  await a.ready(); // Fastify's default compiler would have thrown here
  assert.equal((await a.inject({ method: 'GET', url: '/fine' })).statusCode, 200);
  assert.equal((await a.inject({ method: 'GET', url: '/broken?x=1' })).statusCode, 500);
  await a.close();
});

void test('a response schema is compiled by its first reply and serializes as fast-json-stringify does', async () => {
  const a = Fastify({ schemaController: lazySchemaController() });
  a.get('/r', { schema: { response: { 200: Type.Object({ a: Type.Integer(), s: Type.String() }) } } }, async () => ({ a: 1, s: 2, secret: 'x' }));
  await a.ready();
  for (let i = 0; i < 2; i++) {
    const r = await a.inject({ method: 'GET', url: '/r' });
    assert.equal(r.statusCode, 200);
    // properties outside the schema are dropped, a number where a string is due is stringified
    assert.equal(r.body, '{"a":1,"s":"2"}');
  }
  await a.close();
});
