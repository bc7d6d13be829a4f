// Request bodies (SPEC §5: 413 too large, 415 unsupported media type). JSON is the one body
// type of the API (the ID photo route adds images and multipart for itself): Fastify's built-in
// text/plain parser is removed, so plain text answers 415 instead of failing validation as a
// string.
//
// Body limits per route. Fastify's own limit (build.ts) is the
// ceiling for anything not listed here; every `/v1` route that takes a body and does not set its
// own `bodyLimit` gets the small JSON limit, so a new route is covered without remembering to.
// Routes with bigger bodies say so where they are defined: the ID photo (10 MB), the watch-list
// batch import and the codec endpoint of the Temporal UI.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** The JSON bodies of this API are a few hundred bytes; 16 KiB leaves ample room. */
export const JSON_BODY_LIMIT = 16 * 1024;
/** POST /v1/ops/watchlist takes up to 1000 entries at once. */
export const WATCHLIST_BODY_LIMIT = 1024 * 1024;

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export default fp(
  async function bodyLimits(app: FastifyInstance) {
    app.removeContentTypeParser('text/plain');
    app.addHook('onRoute', (route) => {
      if (route.bodyLimit !== undefined) return;
      if (!route.url.startsWith('/v1/') || /\/codec(\/|$)/.test(route.url)) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.some((m) => WITH_BODY.has(m.toUpperCase()))) route.bodyLimit = JSON_BODY_LIMIT;
    });
  },
  { name: 'body-limits' },
);
