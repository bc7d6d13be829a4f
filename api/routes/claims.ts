// Claiming a case in the review queue (SPEC §5, §7): a claimed case is decided only by its
// claimer (the decision route asks `assertMayDecide`), and released by the claimer or by ops.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { TokenClaims } from '../tokens';
import { notFound, Problem } from '../problem';
import { IdParams, problemResponses } from '../schemas/common';

const ClaimResponse = Type.Object({
  applicationId: Type.String(),
  claimedBy: Type.Union([Type.String(), Type.Null()]),
});

async function audit(app: FastifyInstance, user: TokenClaims, id: string, action: string) {
  await app.store.appendAudit({
    eventKey: `staff-claim:${randomUUID()}`,
    at: new Date(),
    actor: user.sub,
    action,
    subjectType: 'application',
    subjectId: id,
    detail: null,
  });
}

const claimedByOther = (reviewer: string) =>
  new Problem('CASE_CLAIMED_BY_OTHER', 'Another reviewer has claimed this case.', {
    claimedBy: reviewer,
  });

/** Claims the case for `user` (the one way: the API route and the console both call this). */
export async function claimApplication(app: FastifyInstance, user: TokenClaims, id: string) {
  const outcome = await app.store.claimCase(id, user.sub);
  if (!outcome.ok) {
    if (outcome.reason === 'NOT_FOUND') throw notFound('application');
    if (outcome.reason === 'NOT_PENDING_REVIEW')
      throw new Problem('INVALID_STATE', 'Only a case waiting for review can be claimed.');
    throw claimedByOther(outcome.reviewer);
  }
  await audit(app, user, id, 'CASE_CLAIMED');
  return { applicationId: id, claimedBy: outcome.reviewer };
}

/** Gives the case back: its claimer, or ops for anyone's. */
export async function releaseApplication(app: FastifyInstance, user: TokenClaims, id: string) {
  const outcome = await app.store.releaseCase(id, user.sub, { anyone: user.role === 'ops' });
  if (outcome && 'heldBy' in outcome) throw claimedByOther(outcome.heldBy);
  if (outcome) await audit(app, user, id, 'CASE_RELEASED');
  return { applicationId: id, claimedBy: null };
}

/** 409 CASE_CLAIMED_BY_OTHER unless the case is unclaimed or claimed by `user`. */
export async function assertMayDecide(app: FastifyInstance, user: TokenClaims, id: string) {
  const claimer = await app.store.caseClaimOf(id);
  if (claimer !== null && claimer !== user.sub) throw claimedByOther(claimer);
}

const claims: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/applications/:id/claim',
    {
      onRequest: app.requireRole('reviewer'),
      schema: {
        summary: 'Claim a case in the review queue for yourself',
        description:
          'Only a `PENDING_REVIEW` case (409 `INVALID_STATE` otherwise). Claiming your own claim ' +
          'again is a no-op; a case another reviewer holds answers 409 `CASE_CLAIMED_BY_OTHER` ' +
          '(with `claimedBy`). A claimed case is decided only by its claimer.',
        tags: ['reviews'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: ClaimResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => claimApplication(app, request.user, request.params.id),
  );

  app.post(
    '/v1/applications/:id/release',
    {
      onRequest: app.requireRole('reviewer', 'ops'),
      schema: {
        summary: 'Give a claimed case back to the queue',
        description:
          'By its claimer, or by ops for anyone’s; 409 `CASE_CLAIMED_BY_OTHER` for a reviewer ' +
          'releasing another’s. Releasing an unclaimed case is a no-op.',
        tags: ['reviews'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: ClaimResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => releaseApplication(app, request.user, request.params.id),
  );
};

export default claims;
