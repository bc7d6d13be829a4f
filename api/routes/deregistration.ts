// Closing a wallet (SPEC §3): the owner starts the deregistration workflow and drives it; the
// workflow waits for a zero balance and a last confirmation, then erases the person's data.
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DEREGISTRATION_WORKFLOW,
  deregistrationWorkflowId,
  type DeregistrationInput,
  type DeregistrationStepResult,
  type DeregistrationView,
} from '../../domain/contract';
import {
  cancelDeregistrationUpdate,
  confirmDeregistrationUpdate,
  getDeregistrationQuery,
  getReviewFileQuery,
  requestDeregistrationUpdate,
  searchAttributes,
  withdrawAllUpdate,
} from '../../workflows/messages';
import type { Config } from '../../config/config';
import { webhooksEnabled, type WalletSummary } from '../../db/store';
import { queryOnboarding, updateApplicationWorkflow } from '../onboarding-calls';
import { rateLimited } from '../plugins/rate-limit';
import { ledgerProblem } from '../ledger-calls';
import { notFound, Problem } from '../problem';
import { IdParams, problemResponses } from '../schemas/common';
import {
  DEREGISTRATION_NEXT_ACTIONS,
  deregistrationNextStep,
} from '../../domain/deregistration-steps';

const PasswordBody = Type.Object(
  { paymentPassword: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const EmptyBody = Type.Optional(Type.Object({}, { additionalProperties: false }));
const DeregistrationResponse = Type.Object({
  walletId: Type.String(),
  status: Type.String(),
  balance: Type.Integer(),
  reasons: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
  deadline: Type.Optional(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  // What the owner is asked to do now (domain/deregistration-steps.ts).
  nextAction: Type.Union(DEREGISTRATION_NEXT_ACTIONS.map((a) => Type.Literal(a))),
  message: Type.Optional(Type.String()),
  statementUrl: Type.Optional(Type.String()),
});

/** Tells a running deregistration that the balance moved; nothing to do when none runs. */
export async function signalBalanceChanged(app: FastifyInstance, walletId: string) {
  try {
    await app.temporal.call(
      () =>
        app.temporal.client.workflow
          .getHandle(deregistrationWorkflowId(walletId))
          .signal('balanceChanged'),
      3000,
    );
  } catch {
    // No deregistration, or a closed one: the hourly re-check is the safety net either way.
  }
}

const deregistration: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const ledger = app.store.createLedger({ webhookEvents: webhooksEnabled(config) });

  async function ownWallet(
    request: FastifyRequest,
    id: string,
    staffMayRead = false,
  ): Promise<WalletSummary> {
    let wallet: WalletSummary;
    try {
      wallet = await ledger.summary(id);
    } catch (error) {
      throw ledgerProblem(error);
    }
    const isOwner =
      request.user.role === 'applicant' && request.user.applicationId === wallet.applicationId;
    if (!isOwner && !(staffMayRead && request.user.role === 'ops')) throw notFound('wallet');
    return wallet;
  }

  async function confirmIdentity(walletId: string, password: string) {
    try {
      await ledger.verifyPaymentPassword(walletId, password);
    } catch (error) {
      throw ledgerProblem(error);
    }
  }

  const handle = (walletId: string) =>
    app.temporal.client.workflow.getHandle(deregistrationWorkflowId(walletId));

  function answer(reply: FastifyReply, view: DeregistrationView, status = 200) {
    const { walletId, status: s, balance, reasons, deadline, createdAt, updatedAt } = view;
    return reply.code(status).send({
      walletId,
      status: s,
      balance,
      reasons,
      deadline,
      createdAt,
      updatedAt,
      ...deregistrationNextStep(s, walletId),
    });
  }

  function answerStep(reply: FastifyReply, result: DeregistrationStepResult) {
    if (result.ok) return answer(reply, result.view);
    const code = result.code ?? 'INVALID_STATE';
    throw new Problem(code, result.message, {
      deregistrationStatus: result.view.status,
      balance: result.view.balance,
    });
  }

  const common = {
    tags: ['wallets'],
    security: [{ bearer: [] }],
    params: IdParams,
  };

  app.post(
    '/v1/wallets/:id/deregistration',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('deregistration'),
      schema: {
        ...common,
        summary: 'Ask to close the wallet; the payment password confirms it is the owner',
        body: PasswordBody,
        response: {
          202: DeregistrationResponse,
          ...problemResponses(400, 401, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const wallet = await ownWallet(request, request.params.id);
      if (wallet.status === 'CLOSED')
        throw new Problem('INVALID_STATE', 'The wallet is already closed.');
      await confirmIdentity(wallet.walletId, request.body.paymentPassword);
      const file = await queryOnboarding(app, wallet.applicationId, getReviewFileQuery);
      const input: DeregistrationInput = {
        version: 1,
        walletId: wallet.walletId,
        applicationId: wallet.applicationId,
        photoRefs: file.photoRefs ?? [],
        bankRetry: config.money.bankRetry,
      };
      // One deregistration per wallet at a time: a second request lands on the running one.
      const view = await app.temporal.call(
        () =>
          app.temporal.client.workflow.executeUpdateWithStart(requestDeregistrationUpdate, {
            args: [{ version: 1 }],
            startWorkflowOperation: new WithStartWorkflowOperation(DEREGISTRATION_WORKFLOW, {
              workflowId: deregistrationWorkflowId(wallet.walletId),
              taskQueue: app.temporal.taskQueue,
              args: [input],
              workflowIdConflictPolicy: 'USE_EXISTING',
              typedSearchAttributes: [
                { key: searchAttributes.deregistrationStatus, value: 'AWAITING_BALANCE_CLEARANCE' },
              ],
            }),
          }),
        20_000,
      );
      const refusal = view.status === 'CANCELLED' ? view.reasons[0] : undefined;
      if (refusal)
        throw new Problem(refusal.code, refusal.message, {
          deregistrationStatus: view.status,
          balance: view.balance,
        });
      return answer(reply, view, 202);
    },
  );

  app.get(
    '/v1/wallets/:id/deregistration',
    {
      onRequest: app.requireRole('applicant', 'ops'),
      schema: {
        ...common,
        summary: 'The deregistration: status, balance left, reasons and deadline',
        response: { 200: DeregistrationResponse, ...problemResponses(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const wallet = await ownWallet(request, request.params.id, true);
      try {
        const view = await app.temporal.call(() =>
          handle(wallet.walletId).query(getDeregistrationQuery),
        );
        return answer(reply, view);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw notFound('deregistration');
        throw error;
      }
    },
  );

  app.post(
    '/v1/wallets/:id/deregistration/withdraw-all',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('deregistration'),
      schema: {
        ...common,
        summary: 'Withdraw the whole balance to the bound card so that the closure can go on',
        body: PasswordBody,
        response: {
          200: DeregistrationResponse,
          ...problemResponses(400, 401, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const wallet = await ownWallet(request, request.params.id);
      await confirmIdentity(wallet.walletId, request.body.paymentPassword);
      const result = await updateApplicationWorkflow(
        app,
        deregistrationWorkflowId(wallet.walletId),
        withdrawAllUpdate,
        [{ version: 1 }],
      );
      return answerStep(reply, result);
    },
  );

  for (const [path, update, summary] of [
    [
      'confirm',
      confirmDeregistrationUpdate,
      'Confirm the closure: the records cannot be recovered',
    ],
    ['cancel', cancelDeregistrationUpdate, 'Cancel the deregistration; the wallet stays open'],
  ] as const) {
    app.post(
      `/v1/wallets/:id/deregistration/${path}`,
      {
        onRequest: app.requireRole('applicant'),
        schema: {
          ...common,
          summary,
          body: EmptyBody,
          response: { 200: DeregistrationResponse, ...problemResponses(401, 404, 409, 422, 503) },
        },
      },
      async (request, reply) => {
        const wallet = await ownWallet(request, request.params.id);
        const result = await updateApplicationWorkflow(
          app,
          deregistrationWorkflowId(wallet.walletId),
          update,
          [{ version: 1 }],
        );
        return answerStep(reply, result);
      },
    );
  }
};

export default deregistration;
