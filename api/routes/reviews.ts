// The reviewers' side of SPEC §1 step 6: the queue and the decisions.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { readReviewSnapshot } from '../../activities/review-snapshot';
import { applications } from '../../db/schema';
import { APPLICATION_STATUSES } from '../../domain/codes';
import { decideUpdate } from '../../workflows/messages';
import { appendAudit } from '../../db/repositories/audit-log';
import type { Config } from '../../config/config';
import { recordPersonalDataViews } from '../audit';
import { sendStep, updateApplication } from '../onboarding-calls';
import { Problem } from '../problem';
import { IdParams, problemResponses } from '../schemas/common';
import { DecisionBody } from '../schemas/steps';

const ReviewsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(APPLICATION_STATUSES)),
    limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

const ReviewsPage = Type.Object({
  items: Type.Array(Type.Object({ applicationId: Type.String() }, { additionalProperties: true })),
  nextCursor: Type.Optional(Type.String()),
});

interface Cursor {
  t: number;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor | null;
    // A forged cursor must not reach the query as an Invalid Date or a non-string id.
    if (
      typeof value?.t === 'number' &&
      Number.isSafeInteger(value.t) &&
      value.t >= 0 &&
      !Number.isNaN(new Date(value.t).getTime()) &&
      typeof value.id === 'string' &&
      value.id.length <= 100
    )
      return value;
  } catch {
    // falls through to the problem below
  }
  throw new Problem(400, 'VALIDATION_FAILED', 'The cursor is not one this API gave out.', {
    errors: [{ field: 'cursor', code: 'INVALID_VALUE' }],
  });
}

const reviews: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { db } = app.database;

  app.get(
    '/v1/reviews',
    {
      onRequest: app.requireRole('reviewer'),
      schema: {
        summary: 'The review queue, oldest first, with flags, photo metrics and OCR vs submitted',
        tags: ['reviews'],
        security: [{ bearer: [] }],
        querystring: ReviewsQuery,
        response: { 200: ReviewsPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const status = request.query.status ?? 'PENDING_REVIEW';
      const limit = Number(request.query.limit ?? 20);
      const conditions: SQL[] = [eq(applications.status, status)];
      if (request.query.cursor) {
        const after = decodeCursor(request.query.cursor);
        const at = new Date(after.t);
        conditions.push(
          or(
            gt(applications.updatedAt, at),
            and(eq(applications.updatedAt, at), gt(applications.id, after.id)),
          )!,
        );
      }
      const rows = db
        .select()
        .from(applications)
        .where(and(...conditions))
        .orderBy(asc(applications.updatedAt), asc(applications.id))
        .limit(limit + 1)
        .all();
      const page = rows.slice(0, limit);
      const items = page.map((row) => ({
        applicationId: row.id,
        status: row.status,
        riskLevel: row.riskLevel,
        reviewDueAt: row.reviewDueAt?.toISOString() ?? null,
        since: row.updatedAt.toISOString(),
        ...(readReviewSnapshot<Record<string, unknown>>(db, config.piiKey, row.id) ?? {}),
      }));
      recordPersonalDataViews(
        db,
        request.user,
        items.map((i) => i.applicationId),
        'REVIEW_QUEUE',
      );
      const last = page[page.length - 1];
      return {
        items,
        ...(rows.length > limit && last
          ? { nextCursor: encodeCursor({ t: last.updatedAt.getTime(), id: last.id }) }
          : {}),
      };
    },
  );

  app.post(
    '/v1/applications/:id/decision',
    {
      onRequest: app.requireRole('reviewer'),
      schema: {
        summary: 'Approve or reject an application under review',
        tags: ['reviews'],
        security: [{ bearer: [] }],
        params: IdParams,
        body: DecisionBody,
        response: problemResponses(400, 401, 403, 404, 409, 503),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.decision === 'REJECT' && !body.reasonCode)
        throw new Problem(400, 'VALIDATION_FAILED', 'A rejection needs a reasonCode.', {
          errors: [{ field: 'reasonCode', code: 'REQUIRED' }],
        });
      const result = await updateApplication(app, request.params.id, decideUpdate, [
        {
          version: 1,
          decision: {
            reviewer: request.user.sub,
            decision: body.decision,
            ...(body.decision === 'REJECT'
              ? { reasonCode: body.reasonCode, rejectType: body.rejectType ?? 'RETRY' }
              : {}),
            ...(body.messageToApplicant ? { messageToApplicant: body.messageToApplicant } : {}),
            ...(body.internalNote ? { internalNote: body.internalNote } : {}),
          },
        },
      ]);
      // The staff action, once the workflow has taken it. Keyed by the status change it made, so
      // that the same decision answered twice (a retried update) is one row. Free text (message,
      // internal note) stays out: it may name the applicant.
      if (result.ok)
        appendAudit(db, {
          eventKey: `application:${request.params.id}:decision:${result.view.updatedAt}`,
          at: new Date(),
          actor: request.user.sub,
          action: body.decision === 'APPROVE' ? 'REVIEW_APPROVED' : 'REVIEW_REJECTED',
          subjectType: 'application',
          subjectId: request.params.id,
          detail: {
            decision: body.decision,
            status: result.view.status,
            ...(body.decision === 'REJECT'
              ? { reasonCode: body.reasonCode, rejectType: body.rejectType ?? 'RETRY' }
              : {}),
          },
        });
      return sendStep(reply, result, false);
    },
  );
};

export default reviews;
