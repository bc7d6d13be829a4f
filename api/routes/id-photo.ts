// PUT the ID card photo (raw image body or multipart field `photo`) and GET it back for staff.
// The bytes are stored by content hash; only the reference travels to the workflow.
import multipart from '@fastify/multipart';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { MAX_PHOTO_BYTES } from '../../domain/photo-limits';
import { getReviewFileQuery, submitIdPhotoUpdate } from '../../workflows/messages';
import type { Config } from '../../config/config';
import { PhotoErasedError, PhotoNotFoundError, photoStoreFor } from '../../db/store';
import { assertNotErased, queryOnboarding, sendStep, updateApplication } from '../onboarding-calls';
import { rateLimited } from '../plugins/rate-limit';
import { recordPersonalDataViews } from '../audit';
import { erased, notFound, Problem } from '../problem';
import { IdParams, problemResponses } from '../schemas/common';
import { IdPhotoAnswer, IdPhotoQuery } from '../schemas/id-photo';
import { ownApplication } from './application-steps';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

async function uploadedBytes(request: FastifyRequest): Promise<Buffer> {
  if (request.isMultipart()) {
    // A multipart body the parser cannot split (no boundary, a broken part) is the client's.
    const file = await request
      .file({ limits: { fileSize: MAX_PHOTO_BYTES, files: 1 } })
      .catch((error: unknown) => {
        if (error instanceof Problem || (error as FastifyError).statusCode === 413) throw error;
        throw new Problem('MALFORMED_REQUEST', 'The multipart body could not be read.');
      });
    if (!file || file.fieldname !== 'photo')
      throw new Problem('MALFORMED_REQUEST', 'Send the image in the multipart field "photo".');
    const bytes = await file.toBuffer();
    if (file.file.truncated)
      throw new Problem('PAYLOAD_TOO_LARGE', 'A photo may be at most 10 MB.');
    return bytes;
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!IMAGE_TYPES.includes(type) || !Buffer.isBuffer(request.body))
    throw new Problem(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send a JPEG, PNG or WebP image as the body, or multipart/form-data with a "photo" field.',
    );
  return request.body;
}

const idPhoto: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const store = photoStoreFor(config, app.store);
  await app.register(multipart);
  // Any other body is read as bytes so that the answer is the photo rule, not a parser's.
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_PHOTO_BYTES },
    (_r, body, done) => done(null, body),
  );
  for (const type of IMAGE_TYPES)
    app.addContentTypeParser(
      type,
      { parseAs: 'buffer', bodyLimit: MAX_PHOTO_BYTES },
      (_r, body, done) => done(null, body),
    );
  app.setErrorHandler((error: FastifyError) => {
    if (error.statusCode === 413 || error.code === 'FST_REQ_FILE_TOO_LARGE')
      throw new Problem('PAYLOAD_TOO_LARGE', 'A photo may be at most 10 MB.');
    throw error;
  });

  app.put(
    '/v1/applications/:id/id-photo',
    {
      // Authenticate before reading up to 10 MB of body.
      onRequest: app.requireRole('applicant'),
      bodyLimit: MAX_PHOTO_BYTES,
      config: rateLimited('idPhoto'),
      schema: {
        summary:
          'Upload the portrait side of the ID card; answers {accepted, reasons, metrics, ocr}',
        tags: ['applications'],
        security: [{ bearer: [] }],
        params: IdParams,
        consumes: [...IMAGE_TYPES, 'multipart/form-data'],
        response: {
          200: IdPhotoAnswer,
          ...problemResponses(400, 401, 404, 409, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      ownApplication(request, id);
      // Before anything of the upload is stored.
      await assertNotErased(app, id);
      const bytes = await uploadedBytes(request);
      const { ref } = await store.of(id).put(bytes);
      const result = await updateApplication(
        app,
        id,
        submitIdPhotoUpdate,
        [{ version: 1, ref }],
        120_000,
      );
      const { accepted, reasons, metrics, ocr } = result.photo;
      return sendStep(reply, result, true, { accepted, reasons, metrics, ocr });
    },
  );

  app.get(
    '/v1/applications/:id/id-photo',
    {
      onRequest: app.requireRole('reviewer', 'ops'),
      schema: {
        summary:
          "The last uploaded ID photo (or an earlier round's), or the card straightened from it, for staff",
        tags: ['reviews'],
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: IdPhotoQuery,
        produces: IMAGE_TYPES,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }),
          ...problemResponses(401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { round, variant } = request.query;
      const file = await queryOnboarding(app, id, getReviewFileQuery);
      // Refs come from the workflow only: a client never names a file of the photo store.
      const ref = round ? file.rejectedRounds[Number(round) - 1]?.photoRef : file.photo?.ref;
      const photos = store.of(id);
      if (!ref || !(await photos.has(ref))) throw notFound('photo');
      try {
        if (variant === 'card') {
          let card: Buffer;
          try {
            card = await photos.getDerived(ref, 'card');
          } catch (error) {
            // No card was found in that upload, or it was judged before cards were kept.
            if (error instanceof PhotoNotFoundError) throw notFound('card');
            throw error;
          }
          await recordPersonalDataViews(app.store, request.user, [id], 'ID_PHOTO');
          return reply.header('cache-control', 'no-store').type('image/jpeg').send(card);
        }
        const bytes = await photos.get(ref);
        const { format } = await sharp(bytes).metadata();
        await recordPersonalDataViews(app.store, request.user, [id], 'ID_PHOTO');
        return reply
          .header('cache-control', 'no-store')
          .type(`image/${format === 'jpeg' ? 'jpeg' : format}`)
          .send(bytes);
      } catch (error) {
        // The person's key went between the query and the read (their wallet closed): the photo
        // cannot be opened by anyone any more, which is an answer, not a failure.
        if (error instanceof PhotoErasedError || error instanceof PhotoNotFoundError)
          throw erased('ID photo');
        throw error;
      }
    },
  );
};

export default idPhoto;
