/** fastify apps with lazySchemaCompilers still validate and serialize a route's schema (the compilers load when first needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { lazySchemaCompilers } from '../../common/index.js';

test('a body schema is validated and a response schema serializes, as with fastify defaults', async () => {
  const app = Fastify({ schemaController: lazySchemaCompilers() });
  app.post('/', {
    schema: {
      body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
    },
  }, async (request) => ({ n: (request.body as { n: number }).n, hidden: 'not in the schema' }));
  try {
    const bad = await app.inject({ method: 'POST', url: '/', payload: { n: 'x' } });
    assert.equal(bad.statusCode, 400);
    const good = await app.inject({ method: 'POST', url: '/', payload: { n: 3 } });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { n: 3 });
  } finally {
    await app.close();
  }
});
