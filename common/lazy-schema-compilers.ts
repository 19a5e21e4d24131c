/**
 * fastify builds its JSON-schema compilers (ajv and fast-json-stringify,
 * ~100 modules) when an app is created, though they only ever compile a
 * route's `schema`, and the storage and proxy edges declare none: about 70
 * ms of CPU in every server start. These factories are fastify's own
 * defaults, loaded from fastify's dependencies the first time a schema
 * needs one, so a route with a schema still validates as before.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Factory = (...args: unknown[]) => unknown;

/** `require` as fastify's own, so the compilers are the versions fastify depends on. */
function fastifyRequire(): NodeJS.Require {
  return createRequire(createRequire(import.meta.url).resolve('fastify'));
}

function lazyFactory(pkg: string): Factory {
  let build: Factory | undefined;
  return (...args) => {
    build ??= (fastifyRequire()(pkg) as () => Factory)();
    return build(...args);
  };
}

/** The `schemaController` option of a fastify app that loads its compilers only when a schema needs one. */
export function lazySchemaCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  return {
    compilersFactory: {
      buildValidator: lazyFactory('@fastify/ajv-compiler') as never,
      buildSerializer: lazyFactory('@fastify/fast-json-stringify-compiler') as never,
    },
  };
}
