import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's schema compilers, replaced. Every request body is validated by its dialect's codec, never
 * by a Fastify route schema, so Fastify's own compilers (Ajv and fast-json-stringify, about 100
 * modules and 1 MB of heap) would load for nothing. A route that declares a schema fails when the
 * server starts, rather than passing unvalidated.
 */
export const NO_ROUTE_SCHEMAS: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: () => (route) => {
      throw new Error(
        `${route.method} ${route.url} declares a ${route.httpPart} schema: validate in the route's codec instead`,
      );
    },
    buildSerializer: () => (route) => {
      throw new Error(
        `${route.method} ${route.url} declares a response schema: encode in the route's codec instead`,
      );
    },
  },
};
