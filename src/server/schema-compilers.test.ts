import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { NO_ROUTE_SCHEMAS } from './schema-compilers.ts';

const loadedModules = () => Object.keys(createRequire(import.meta.url).cache);

describe('NO_ROUTE_SCHEMAS', () => {
  it('serves routes without ever loading Ajv or fast-json-stringify', async () => {
    const app = Fastify({ schemaController: NO_ROUTE_SCHEMAS });
    app.post('/echo', async (request) => ({ got: request.body }));
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { got: { a: 1 } });
    await app.close();
    // Fastify's precompiled error serializer uses two small files of fast-json-stringify; its compiler
    // (index.js) and Ajv are what the replacement keeps out.
    const compilers = loadedModules().filter((path) =>
      /node_modules\/(ajv\/|fast-json-stringify\/index\.js)/.test(path),
    );
    assert.deepEqual(compilers, []);
  });

  it('refuses to start with a route that declares a schema', async () => {
    const app = Fastify({ schemaController: NO_ROUTE_SCHEMAS });
    app.post('/typed', { schema: { body: { type: 'object' } } }, async () => ({}));
    await assert.rejects(async () => {
      await app.ready();
    }, /POST \/typed declares a body schema/);
  });

  it('refuses a response schema too', async () => {
    const app = Fastify({ schemaController: NO_ROUTE_SCHEMAS });
    app.get('/typed', { schema: { response: { 200: { type: 'object' } } } }, async () => ({}));
    await assert.rejects(async () => {
      await app.ready();
    }, /GET \/typed declares a response schema/);
  });
});
