// The reviewers' side of SPEC §1 step 6: the queue and the decisions.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { APPLICATION_STATUSES } from '../../domain/codes';
import { decideUpdate } from '../../workflows/messages';
import { signDecision } from '../../crypto/decision-proof';
import type { Config } from '../../config/config';
import { recordPersonalDataViews } from '../audit';
import { sendStep, updateApplication } from '../onboarding-calls';
import { Problem } from '../problem';
import { assertMayDecide } from './claims';
import { IdParams, problemResponses } from '../schemas/common';
import { DecisionBody } from '../schemas/steps';

const ReviewsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(APPLICATION_STATUSES)),
    riskLevel: Type.Optional(Type.Union(['LOW', 'MEDIUM', 'HIGH'].map((r) => Type.Literal(r)))),
    claimed: Type.Optional(
      Type.Union([Type.Literal('mine'), Type.Literal('unclaimed')], {
        description: '`mine`: the cases the caller holds; `unclaimed`: the cases nobody holds',
      }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

const ReviewsPage = Type.Object({
  items: Type.Array(Type.Object({ applicationId: Type.String() }, { additionalProperties: true })),
  nextCursor: Type.Optional(Type.String()),
  total: Type.Integer({ description: 'How many cases match the filters, over every page' }),
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
  throw new Problem('VALIDATION_FAILED', 'The cursor is not one this API gave out.', {
    errors: [{ field: 'cursor', code: 'INVALID_VALUE' }],
  });
}

const reviews: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { store } = app;

  app.get(
    '/v1/reviews',
    {
      onRequest: app.requireRole('reviewer'),
      schema: {
        summary: 'The review queue, oldest first, with flags, photo metrics and OCR vs submitted',
        description:
          'Filters (`status`, `riskLevel`, `claimed`) apply to the whole queue; page with ' +
          '`cursor` = the `nextCursor` of the previous page, under the same filters.',
        tags: ['reviews'],
        security: [{ bearer: [] }],
        querystring: ReviewsQuery,
        response: { 200: ReviewsPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const status = request.query.status ?? 'PENDING_REVIEW';
      const limit = Number(request.query.limit ?? 20);
      const after = request.query.cursor ? decodeCursor(request.query.cursor) : undefined;
      const { riskLevel, claimed } = request.query;
      const filter = {
        ...(riskLevel ? { riskLevel } : {}),
        ...(claimed ? { claimedBy: claimed === 'mine' ? request.user.sub : null } : {}),
      };
      const [rows, total] = await Promise.all([
        store.applicationsInStatus(status, {
          ...filter,
          limit: limit + 1,
          ...(after ? { after: { updatedAt: new Date(after.t), id: after.id } } : {}),
        }),
        store.countApplicationsInStatus(status, filter),
      ]);
      const page = rows.slice(0, limit);
      const snapshots = (await store.reviewSnapshotsOf(
        config.piiKey,
        page.map((row) => row.id),
      )) as Record<string, Record<string, unknown> | null>;
      const items = page.map((row) => ({
        applicationId: row.id,
        status: row.status,
        riskLevel: row.riskLevel,
        reviewDueAt: row.reviewDueAt?.toISOString() ?? null,
        since: row.updatedAt.toISOString(),
        ...snapshots[row.id],
      }));
      await recordPersonalDataViews(
        store,
        request.user,
        items.map((i) => i.applicationId),
        'REVIEW_QUEUE',
      );
      const last = page[page.length - 1];
      return {
        items,
        total,
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
        description:
          'A case another reviewer has claimed answers 409 `CASE_CLAIMED_BY_OTHER`. A decision ' +
          'gives the claim back: a second approval is another reviewer’s to give.',
        tags: ['reviews'],
        security: [{ bearer: [] }],
        params: IdParams,
        body: DecisionBody,
        response: problemResponses(400, 401, 403, 404, 409, 503),
      },
    },
    async (request, reply) => {
      const body = request.body;
      await assertMayDecide(app, request.user, request.params.id);
      if (body.decision === 'REJECT' && !body.reasonCode)
        throw new Problem('VALIDATION_FAILED', 'A rejection needs a reasonCode.', {
          errors: [{ field: 'reasonCode', code: 'REQUIRED' }],
        });
      const decision = {
        reviewer: request.user.sub,
        decision: body.decision,
        ...(body.decision === 'REJECT'
          ? { reasonCode: body.reasonCode, rejectType: body.rejectType ?? 'RETRY' }
          : {}),
        ...(body.messageToApplicant ? { messageToApplicant: body.messageToApplicant } : {}),
        ...(body.internalNote ? { internalNote: body.internalNote } : {}),
      };
      // The workflow takes the decision only with this proof, and audits it itself.
      const result = await updateApplication(app, request.params.id, decideUpdate, [
        {
          version: 1,
          decision,
          proof: signDecision(config.piiKey, request.params.id, decision),
        },
      ]);
      // The claimer's part is done: a case still under review waits for another reviewer.
      if (result.ok) await app.store.releaseCase(request.params.id, request.user.sub);
      return sendStep(reply, result, false);
    },
  );
};

export default reviews;
