// The codec server of SPEC §6: the Temporal UI (started with `--ui-codec-endpoint`) and the CLI
// (`--codec-endpoint`) send the encrypted payloads of a history here to show them decoded. Only
// ops may decode; everyone else sees ciphertext. The UI's browser calls these routes directly, so
// CORS admits the Temporal UI's origin (and no other) on these routes only.
//
// The CLI sends the ops bearer token. The dev server's UI has no login and sends no token, so an
// ops person opens a codec session in their browser instead (`/codec/login`): a short-lived,
// HttpOnly, SameSite=Strict cookie scoped to `/codec`, which the UI sends along once "Include
// cross-origin credentials" is ticked in its codec settings. Nobody without it sees plaintext.
import cookie, { type CookieSerializeOptions } from '@fastify/cookie';
import cors from '@fastify/cors';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { Payload } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Config } from '../../config/config';
import {
  createPayloadCodec,
  isEncrypted,
  payloadFromJson,
  payloadToJson,
  PayloadDecryptionError,
  type JsonPayload,
} from '../../temporal/payload-codec';
import { storeSubjectKeys } from '../../temporal/client';
import { forbidden, Problem, unauthorized } from '../problem';
import type { TokenClaims } from '../tokens';
import { problemResponses } from '../schemas/common';

const Payloads = Type.Object({
  payloads: Type.Array(
    Type.Object({
      metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
      data: Type.Optional(Type.String()),
    }),
    { maxItems: 10_000 },
  ),
});

/** A history's payloads may be large (Temporal accepts up to 2 MB each). */
const CODEC_BODY_LIMIT = 8 * 1024 * 1024;

/** The UI's origin as configured, and its twin through the other loopback name. */
export function temporalUiOrigins(temporalUiUrl: string): string[] {
  const origin = new URL(temporalUiUrl).origin;
  const twin = origin.includes('//127.0.0.1')
    ? origin.replace('//127.0.0.1', '//localhost')
    : origin.includes('//localhost')
      ? origin.replace('//localhost', '//127.0.0.1')
      : undefined;
  return twin ? [origin, twin] : [origin];
}

const codec: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  const payloadCodec = createPayloadCodec(
    opts.config.piiKey,
    storeSubjectKeys(app.store, opts.config.piiKey),
  );
  // What was never encrypted (search attributes, local-activity markers) shows as it is, and an
  // erased person's payloads stay as they are: the rest of the history still shows.
  const decodeOne = async (payload: Payload) =>
    !isEncrypted(payload)
      ? payload
      : payloadCodec.decode([payload]).then(
          ([decoded]) => decoded!,
          (error: unknown) => {
            if (error instanceof PayloadDecryptionError && error.erased) return payload;
            throw error;
          },
        );

  await app.register(cookie);
  const requireOps = app.requireRole('ops');
  /** The ops bearer token (CLI), or else an ops codec session (the Temporal UI in a browser). */
  async function opsByTokenOrSession(request: FastifyRequest, reply: FastifyReply) {
    if (request.headers.authorization) return requireOps.call(app, request, reply);
    const session = request.cookies[CODEC_SESSION_COOKIE];
    if (!session) throw unauthorized('A bearer token or an ops codec session is required.');
    let claims: TokenClaims;
    try {
      claims = app.jwt.verify<TokenClaims>(session);
    } catch {
      throw unauthorized('The codec session is invalid or has expired.');
    }
    if (claims.role !== 'ops') throw forbidden();
  }

  await app.register(cors, {
    origin: temporalUiOrigins(opts.config.temporalUiUrl),
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
    credentials: true,
    maxAge: 600,
  });

  const route = (action: 'encode' | 'decode') =>
    app.post(
      `/${action}`,
      {
        onRequest: opsByTokenOrSession,
        bodyLimit: CODEC_BODY_LIMIT,
        schema: {
          summary:
            action === 'decode'
              ? 'Decrypt Temporal payloads (codec server for the Temporal UI and CLI; ops only)'
              : 'Encrypt Temporal payloads (codec server for the Temporal UI and CLI; ops only)',
          description:
            'Body and answer: `{payloads: [{metadata: {key: base64}, data: base64}]}`, the proto3 ' +
            'JSON form the Temporal UI and CLI send. Payloads that are not encrypted pass through.',
          tags: ['ops'],
          security: [{ bearer: [] }],
          body: Payloads,
          response: { 200: Payloads, ...problemResponses(400, 401, 403, 413) },
        },
      },
      async (request) => {
        const payloads = request.body.payloads.map((p: JsonPayload) => payloadFromJson(p));
        try {
          const out =
            action === 'decode'
              ? await Promise.all(payloads.map(decodeOne))
              : await payloadCodec.encode(payloads);
          return { payloads: out.map(payloadToJson) };
        } catch (error) {
          if (error instanceof PayloadDecryptionError)
            throw new Problem('MALFORMED_REQUEST', error.message);
          throw error;
        }
      },
    );
  route('encode');
  route('decode');

  app.post(
    '/session',
    {
      onRequest: requireOps,
      schema: {
        summary: 'Open a codec session in this browser, for the Temporal UI (ops only)',
        description:
          `Sets the \`${CODEC_SESSION_COOKIE}\` cookie (HttpOnly, SameSite=Strict, path /codec, ` +
          `${CODEC_SESSION_TTL_S / 3600} h) that lets the Temporal UI decode payloads.`,
        tags: ['ops'],
        security: [{ bearer: [] }],
        response: { 204: Type.Null(), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const session = app.jwt.sign(
        { sub: request.user.sub, role: 'ops' },
        { expiresIn: CODEC_SESSION_TTL_S },
      );
      return reply
        .setCookie(CODEC_SESSION_COOKIE, session, sessionCookie(CODEC_SESSION_TTL_S))
        .code(204)
        .send(null);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        summary: 'Close the codec session of this browser',
        tags: ['ops'],
        response: { 204: Type.Null() },
      },
    },
    async (_request, reply) =>
      reply.clearCookie(CODEC_SESSION_COOKIE, sessionCookie(0)).code(204).send(null),
  );

  app.get(
    '/login',
    { schema: { summary: 'A page to open a codec session with an ops token', tags: ['ops'] } },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-security-policy', LOGIN_PAGE_CSP)
        .send(LOGIN_PAGE),
  );
};

export const CODEC_SESSION_COOKIE = 'codec_session';
const CODEC_SESSION_TTL_S = 8 * 3600;

function sessionCookie(maxAge: number): CookieSerializeOptions {
  return { path: '/codec', httpOnly: true, sameSite: 'strict', secure: 'auto', maxAge };
}

// No personal data and no token in the page; the token typed in goes once, as a header, to
// `/codec/session` on this origin.
const LOGIN_SCRIPT = `
document.querySelector('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = document.querySelector('#token').value.trim();
  const res = await fetch('session', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  document.querySelector('#result').textContent = res.status === 204
    ? 'Codec session open for 8 hours. In the Temporal UI, open the codec server settings (the glasses icon at the top), choose "Use my browser setting", paste ' + location.origin + '/codec as the browser endpoint, turn on "Include cross-origin credentials", Apply, and reload the page.'
    : 'Refused (' + res.status + '): an ops token is required.';
});`;
const LOGIN_PAGE_CSP = `default-src 'none'; script-src 'sha256-${createHash('sha256')
  .update(LOGIN_SCRIPT)
  .digest('base64')}'; connect-src 'self'; form-action 'none'`;
const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Codec session</title></head>
<body>
<h1>Decode Temporal payloads in the Temporal UI</h1>
<p>Paste an ops token (<code>npm run token -- ops your-name</code>).</p>
<form><input id="token" type="password" size="60" autocomplete="off"> <button>Open session</button></form>
<p id="result"></p>
<script>${LOGIN_SCRIPT}</script>
</body></html>
`;

export default codec;
