// The codec server of SPEC §6: the Temporal UI (started with `--ui-codec-endpoint`) and the CLI
// (`--codec-endpoint`) send the encrypted payloads of a history here to show them decoded. Only
// ops may decode; everyone else sees ciphertext. The UI's browser calls these routes directly, so
// CORS admits the Temporal UI's origin (and no other) on these routes only.
import cors from '@fastify/cors';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { Payload } from '@temporalio/common';
import type { Config } from '../../lib/config';
import {
  createPayloadCodec,
  payloadFromJson,
  payloadToJson,
  PayloadDecryptionError,
  type JsonPayload,
} from '../../lib/payload-codec';
import { temporalSubjectKeys } from '../../lib/temporal-subjects';
import { Problem } from '../problem';
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
    temporalSubjectKeys(app.database.db, opts.config.piiKey),
  );
  // An erased person's payloads stay as they are: the rest of the history still shows.
  const decodeOne = (payload: Payload) =>
    payloadCodec.decode([payload]).then(
      ([decoded]) => decoded!,
      (error: unknown) => {
        if (error instanceof PayloadDecryptionError && error.erased) return payload;
        throw error;
      },
    );

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
        preHandler: app.requireRole('ops'),
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
            throw new Problem(400, 'MALFORMED_REQUEST', error.message);
          throw error;
        }
      },
    );
  route('encode');
  route('decode');
};

export default codec;
