// The back-office console (SPEC §7) under /console: server-rendered eta pages, htmx served from
// its npm package, no inline scripts. Its own security headers (helmet, a CSP of 'self' only),
// cookies and CSRF tokens apply to /console alone; the API's routes are untouched. Every page
// and form acts through the /v1 routes (api-call.ts), under the signed-in member of staff.
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/config';
import { onboardingWorkflowId } from '../../domain/contract';
import { REVIEW_REASON_CODES } from '../../domain/codes';
import type { Applicant, ReviewFile } from '../../domain/contract';
import { callApi } from './api-call';
import { changesSinceLastRejection } from './case-changes';
import { transactionRows } from './transaction-rows';
import { isLanguage, translator, type Language } from './i18n';
import { Problem } from '../problem';
import { throttle, unthrottle } from '../throttles';
import {
  auditSignIn,
  sessionUser,
  setSessionCookie,
  signIn,
  signOut,
  type ConsoleUser,
} from './session';

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser: ConsoleUser | null;
    consoleLanguage: Language;
  }
}

const LANG_COOKIE = 'console_lang';
const FORM_LIMIT = 256 * 1024;
/** Cases on one page of the queue, transactions on one page of a wallet. */
const QUEUE_PAGE = 50;
const TRANSACTION_PAGE = 50;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const htmx = readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));
const css = readFileSync(here('./assets/console.css'));

type Form = Record<string, string>;
interface QueueItem {
  applicationId: string;
  since: string;
  reviewDueAt: string | null;
  riskLevel: string | null;
  flags?: { code: string }[];
  approvalsRequired?: number;
}
type Page<T> = { items: T[]; nextCursor?: string };

/** A refusal as the page says it: the code's words in the user's language, else the API's. */
function problemText(t: (text: string) => string, problem: { code: string; message: string }) {
  const key = `problem:${problem.code}`;
  const said = t(key);
  return said === key ? problem.message : said;
}

function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

export default async function consolePlugin(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts;
  const eta = new Eta({ views: here('./views'), autoEscape: true, cache: true });
  // TEMPORAL_UI_URL (default the dev server's UI): where each case's workflow is linked.
  const temporalUi = config.temporalUiUrl.replace(/\/+$/, '');

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
  });
  await app.register(csrf, {
    cookieKey: 'console_csrf',
    cookieOpts: { path: '/console', httpOnly: true, sameSite: 'strict', secure: 'auto' },
  });
  const csrfCheck = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) =>
    app.csrfProtection(request, reply, done);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  // Pages, not API: left out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  app.decorateRequest('consoleUser', null);
  app.decorateRequest('consoleLanguage', 'zh-CN');

  app.addHook('onRequest', async (request, reply) => {
    const asked = (request.query as { lang?: unknown } | undefined)?.lang;
    if (isLanguage(asked)) {
      request.consoleLanguage = asked;
      void reply.setCookie(LANG_COOKIE, asked, { path: '/console', sameSite: 'strict' });
    } else {
      const remembered = request.cookies[LANG_COOKIE];
      if (isLanguage(remembered)) request.consoleLanguage = remembered;
    }
    request.consoleUser = await sessionUser(app, request);
  });

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    template: string,
    data: Record<string, unknown>,
    status = 200,
  ) {
    const user = request.consoleUser;
    const recipients = user ? [`user:${user.role}:${user.username}`, `role:${user.role}`] : [];
    const t = translator(request.consoleLanguage);
    // An API's refusal is said by its code in the user's language; the console's own (`said`)
    // already are.
    const shown = data.problem as
      { code: string; message: string; said?: boolean } | null | undefined;
    const problem = shown
      ? { code: shown.code, message: shown.said ? shown.message : problemText(t, shown) }
      : null;
    const html = eta.render(template, {
      lang: request.consoleLanguage,
      t,
      user,
      csrf: reply.generateCsrf(),
      notificationCount: user ? await app.store.countStaffNotifications(recipients) : 0,
      title: template,
      ...data,
      problem,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  /** Signed in, with one of `roles`; otherwise to the sign-in page (or 403). */
  const requireUser =
    (...roles: ConsoleUser['role'][]) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const user = request.consoleUser;
      if (!user) return reply.redirect('/console/login', 303);
      if (roles.length > 0 && !roles.includes(user.role))
        return render(
          request,
          reply,
          'login',
          {
            problem: {
              code: 'FORBIDDEN',
              message: translator(request.consoleLanguage)('Your role may not do this.'),
              said: true,
            },
          },
          403,
        );
    };
  const user = (request: FastifyRequest) => request.consoleUser!;
  const afterPost = (reply: FastifyReply, to: string) => reply.redirect(to, 303);

  app.get('/console/assets/htmx.min.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(htmx),
  );
  app.get('/console/assets/console.css', async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(css),
  );

  app.get('/console/login', async (request, reply) => render(request, reply, 'login', {}));
  app.post('/console/login', { preHandler: csrfCheck }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const t = translator(request.consoleLanguage);
    const username = String(form.username ?? '').slice(0, 64);
    const password = String(form.password ?? '').slice(0, 200);
    const attempt = { username, clientAddress: request.ip };
    // Per client address, shared by every API process (api/throttles.ts): guessing across many
    // usernames meets it although no one account locks. A sign-in that succeeds gives it back.
    let hit: number;
    try {
      hit = await throttle(app, 'consoleSignInPerClient', request.ip);
    } catch (error) {
      if (!(error instanceof Problem) || error.code !== 'TOO_MANY_REQUESTS') throw error;
      const account = await app.store.findStaffAccount(username);
      await auditSignIn(app, { ...attempt, known: !!account, action: 'CONSOLE_SIGN_IN_LIMITED' });
      const seconds = Number(error.headers['Retry-After'] ?? 60);
      const minutes = String(Math.max(1, Math.ceil(seconds / 60)));
      void reply.header('retry-after', String(seconds));
      const problem = {
        code: 'TOO_MANY_REQUESTS',
        message: t(
          'Too many sign-in attempts from this address. Try again in {minutes} min.',
        ).replace('{minutes}', minutes),
        said: true,
      };
      return render(request, reply, 'login', { problem }, 429);
    }
    const outcome = await signIn(app, username, password);
    if (outcome.ok) {
      await unthrottle(app, hit);
      await auditSignIn(app, {
        ...attempt,
        known: true,
        role: outcome.role,
        action: 'CONSOLE_SIGNED_IN',
      });
      setSessionCookie(reply, outcome.token);
      return afterPost(reply, '/console');
    }
    await auditSignIn(app, {
      ...attempt,
      known: outcome.reason !== 'UNKNOWN_ACCOUNT',
      action: outcome.lockedNow ? 'CONSOLE_ACCOUNT_LOCKED' : 'CONSOLE_SIGN_IN_FAILED',
      reason: outcome.reason,
    });
    const locked = outcome.reason === 'ACCOUNT_LOCKED' || outcome.lockedNow;
    const problem = locked
      ? {
          code: 'TOO_MANY_REQUESTS',
          message: t('This account is locked for a while after repeated failures.'),
          said: true,
        }
      : { code: 'UNAUTHORIZED', message: t('Wrong username or password.'), said: true };
    return render(request, reply, 'login', { problem }, locked ? 429 : 401);
  });
  app.post('/console/logout', { preHandler: csrfCheck }, async (request, reply) => {
    await signOut(app, request, reply);
    return afterPost(reply, '/console/login');
  });

  // The queue (GET /v1/reviews) with claims and reminder markers; htmx refreshes its table.
  app.get('/console', { preHandler: requireUser() }, async (request, reply) => {
    // Ops have no queue: their day starts at the wallets.
    if (user(request).role === 'ops') return reply.redirect('/console/wallets', 303);
    const q = request.query as { risk?: unknown; claimed?: unknown; cursor?: unknown };
    // Only values the API knows go on; anything else means no filter (a form left at All).
    const filters = {
      risk: typeof q.risk === 'string' && ['LOW', 'MEDIUM', 'HIGH'].includes(q.risk) ? q.risk : '',
      claimed:
        typeof q.claimed === 'string' && ['mine', 'unclaimed'].includes(q.claimed) ? q.claimed : '',
    };
    const cursor = typeof q.cursor === 'string' ? q.cursor : '';
    const params = new URLSearchParams({ limit: String(QUEUE_PAGE) });
    if (filters.risk) params.set('riskLevel', filters.risk);
    if (filters.claimed) params.set('claimed', filters.claimed);
    if (cursor) params.set('cursor', cursor);
    const answer = await callApi<Page<QueueItem> & { total?: number }>(
      app,
      user(request),
      'GET',
      `/v1/reviews?${params.toString()}`,
    );
    const items = answer.body.items ?? [];
    const ids = items.map((i) => i.applicationId);
    const [claims, told] = await Promise.all([
      app.store.caseClaimsOf(ids),
      app.store.staffNotificationTemplatesOf(ids),
    ]);
    const now = Date.now();
    const rows = items.map((i) => ({
      applicationId: i.applicationId,
      waiting: duration(now - Date.parse(i.since)),
      timeLeft: i.reviewDueAt ? duration(Date.parse(i.reviewDueAt) - now) : '',
      riskLevel: i.riskLevel ?? '',
      flags: (i.flags ?? []).map((f) => f.code),
      approvals: String(i.approvalsRequired ?? 1),
      claimedBy: claims[i.applicationId] ?? null,
      reminded: told[i.applicationId]?.includes('REVIEW_REMINDER') ?? false,
      escalated: told[i.applicationId]?.includes('REVIEW_ESCALATION') ?? false,
    }));
    const base = `/console?risk=${encodeURIComponent(filters.risk)}&claimed=${encodeURIComponent(filters.claimed)}`;
    return render(
      request,
      reply,
      'queue',
      {
        title: 'Queue',
        rows,
        filters,
        total: answer.body.total ?? null,
        refreshUrl: cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base,
        firstUrl: cursor ? base : null,
        nextUrl: answer.body.nextCursor
          ? `${base}&cursor=${encodeURIComponent(answer.body.nextCursor)}`
          : null,
        problem: answer.problem,
      },
      answer.problem ? answer.status : 200,
    );
  });

  async function showCase(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    problem: { code: string; message: string } | null = null,
  ) {
    const answer = await callApi<Record<string, unknown>>(
      app,
      user(request),
      'GET',
      `/v1/applications/${encodeURIComponent(id)}`,
    );
    if (answer.problem)
      return render(request, reply, 'login', { problem: answer.problem }, answer.status);
    const application = answer.body as {
      applicationId: string;
      applicant: Applicant;
      review?: Pick<ReviewFile, 'approvalsRequired' | 'decisions' | 'rejectedRounds'> & {
        photo: { ref?: string; ocr?: { name?: string; idNumber?: string } | null } | null;
      };
    };
    const review = application.review;
    const ocr = review?.photo?.ocr ?? {};
    const changes = changesSinceLastRejection(
      review?.rejectedRounds,
      application.applicant,
      review?.photo?.ref,
    );
    const changed = new Set<string>(changes?.fields.map((f) => f.key) ?? []);
    const fields = [
      { key: 'name', label: 'Name', ocr: ocr.name ?? null },
      { key: 'idNumber', label: 'ID number', ocr: ocr.idNumber ?? null },
      { key: 'phone', label: 'Phone', ocr: null },
      { key: 'bankCardNumber', label: 'Bank card', ocr: null },
    ].map((f) => {
      const submitted = application.applicant[f.key as keyof Applicant];
      return {
        ...f,
        submitted,
        differs: f.ocr !== null && f.ocr !== submitted,
        changed: changed.has(f.key),
      };
    });
    const me = `${user(request).role}:${user(request).username}`;
    const approvals = review?.decisions.filter((d) => d.decision === 'APPROVE') ?? [];
    const audit = await app.store.auditPage({
      subjectType: 'application',
      subjectId: id,
      limit: 50,
    });
    return render(
      request,
      reply,
      'case',
      {
        title: id,
        application,
        fields,
        changes,
        claimedBy: await app.store.caseClaimOf(id),
        approvalsNeeded: Math.max(0, (review?.approvalsRequired ?? 1) - approvals.length),
        alreadyApproved: approvals.some((d) => d.reviewer === me),
        reviewReasonCodes: REVIEW_REASON_CODES,
        temporalUrl: `${temporalUi}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(onboardingWorkflowId(id))}`,
        audit: audit.map((e) => ({ ...e, at: e.at.toISOString() })),
        problem,
      },
      problem ? 409 : 200,
    );
  }

  app.get(
    '/console/applications/:id',
    { preHandler: requireUser('reviewer', 'ops') },
    async (request, reply) => showCase(request, reply, (request.params as { id: string }).id),
  );
  app.get(
    '/console/applications/:id/photo',
    { preHandler: requireUser('reviewer', 'ops') },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { round } = request.query as { round?: string };
      // Anything but a round number is the API's to refuse (400), not ours to pass on as is.
      const query = round === undefined ? '' : `?round=${encodeURIComponent(round)}`;
      const answer = await callApi(
        app,
        user(request),
        'GET',
        `/v1/applications/${encodeURIComponent(id)}/id-photo${query}`,
      );
      return reply
        .code(answer.status)
        .type(answer.contentType)
        .header('cache-control', 'no-store')
        .send(answer.raw);
    },
  );

  for (const action of ['claim', 'release', 'decision'] as const)
    app.post(
      `/console/applications/:id/${action}`,
      { preHandler: [requireUser('reviewer'), csrfCheck] },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { _csrf: _token, ...form } = (request.body ?? {}) as Form;
        const payload =
          action === 'decision'
            ? Object.fromEntries(
                Object.entries(form).filter(
                  ([k, v]) => v !== '' && (form.decision === 'REJECT' || k === 'decision'),
                ),
              )
            : {};
        const answer = await callApi(
          app,
          user(request),
          'POST',
          `/v1/applications/${encodeURIComponent(id)}/${action}`,
          payload,
        );
        if (answer.problem) return showCase(request, reply, id, answer.problem);
        return afterPost(reply, `/console/applications/${encodeURIComponent(id)}`);
      },
    );

  app.get('/console/notifications', { preHandler: requireUser() }, async (request, reply) => {
    const u = user(request);
    const notifications = await app.store.listStaffNotifications(
      [`user:${u.role}:${u.username}`, `role:${u.role}`],
      100,
    );
    return render(request, reply, 'notifications', { title: 'Notifications', notifications });
  });

  // Ops pages: the look-up finds a wallet by its id or its application's, then its own page.
  app.get('/console/wallets', { preHandler: requireUser('ops') }, async (request, reply) => {
    const query = String((request.query as { id?: string }).id ?? '')
      .trim()
      .slice(0, 100);
    if (!query)
      return render(request, reply, 'wallets', { title: 'Wallets', query: '', wallet: null });
    let answer = await callApi<{ walletId: string }>(
      app,
      user(request),
      'GET',
      `/v1/wallets/${encodeURIComponent(query)}`,
    );
    if (answer.status === 404) {
      const application = await callApi<{ walletId?: string }>(
        app,
        user(request),
        'GET',
        `/v1/applications/${encodeURIComponent(query)}`,
      );
      if (application.body.walletId)
        answer = await callApi(
          app,
          user(request),
          'GET',
          `/v1/wallets/${encodeURIComponent(application.body.walletId)}`,
        );
    }
    if (!answer.problem)
      return reply.redirect(`/console/wallets/${encodeURIComponent(answer.body.walletId)}`, 303);
    return render(
      request,
      reply,
      'wallets',
      { title: 'Wallets', query, wallet: null, problem: answer.problem },
      answer.status,
    );
  });

  async function showWallet(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    problem: { code: string; message: string } | null = null,
    status = 200,
  ) {
    const path = `/v1/wallets/${encodeURIComponent(id)}`;
    const cursor = (request.query as { cursor?: unknown }).cursor;
    const params = new URLSearchParams({ limit: String(TRANSACTION_PAGE) });
    if (typeof cursor === 'string') params.set('cursor', cursor);
    const [wallet, history] = await Promise.all([
      callApi<Record<string, unknown> & { walletId: string }>(app, user(request), 'GET', path),
      callApi<Page<Record<string, unknown>>>(
        app,
        user(request),
        'GET',
        `${path}/transactions?${params.toString()}`,
      ),
    ]);
    if (wallet.problem)
      return render(
        request,
        reply,
        'wallets',
        { title: 'Wallets', query: id, wallet: null, problem: wallet.problem },
        wallet.status,
      );
    const self = `/console/wallets/${encodeURIComponent(wallet.body.walletId)}`;
    return render(
      request,
      reply,
      'wallet',
      {
        title: 'Wallet',
        wallet: wallet.body,
        transactions: transactionRows(history.body.items ?? []),
        firstUrl: typeof cursor === 'string' ? self : null,
        nextUrl: history.body.nextCursor
          ? `${self}?cursor=${encodeURIComponent(history.body.nextCursor)}`
          : null,
        problem: problem ?? history.problem,
      },
      status,
    );
  }

  app.get('/console/wallets/:id', { preHandler: requireUser('ops') }, async (request, reply) =>
    showWallet(request, reply, (request.params as { id: string }).id),
  );
  for (const action of ['freeze', 'unfreeze'] as const)
    app.post(
      `/console/wallets/:id/${action}`,
      { preHandler: [requireUser('ops'), csrfCheck] },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const reason = String(((request.body ?? {}) as Form).reason ?? '').trim();
        const answer = await callApi(
          app,
          user(request),
          'POST',
          `/v1/wallets/${encodeURIComponent(id)}/${action}`,
          reason ? { reason } : {},
        );
        if (answer.problem) return showWallet(request, reply, id, answer.problem, answer.status);
        return afterPost(reply, `/console/wallets/${encodeURIComponent(id)}`);
      },
    );

  async function showWatchlist(
    request: FastifyRequest,
    reply: FastifyReply,
    problem: { code: string; message: string } | null = null,
    status = 200,
  ) {
    const cursor = (request.query as { cursor?: string }).cursor;
    const answer = await callApi<Page<Record<string, unknown>>>(
      app,
      user(request),
      'GET',
      `/v1/ops/watchlist?limit=100${typeof cursor === 'string' ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    return render(
      request,
      reply,
      'watchlist',
      {
        title: 'Watch list',
        entries: answer.body.items ?? [],
        nextUrl: answer.body.nextCursor
          ? `/console/watchlist?cursor=${encodeURIComponent(answer.body.nextCursor)}`
          : null,
        problem: problem ?? answer.problem,
      },
      status,
    );
  }
  app.get('/console/watchlist', { preHandler: requireUser('ops') }, async (request, reply) =>
    showWatchlist(request, reply),
  );
  app.post(
    '/console/watchlist',
    { preHandler: [requireUser('ops'), csrfCheck] },
    async (request, reply) => {
      const csv = String(((request.body ?? {}) as Form).csv ?? '');
      const answer = await callApi(
        app,
        user(request),
        'POST',
        '/v1/ops/watchlist',
        csv,
        'text/csv',
      );
      if (answer.problem) return showWatchlist(request, reply, answer.problem, answer.status);
      return afterPost(reply, '/console/watchlist');
    },
  );
  app.post(
    '/console/watchlist/:id/remove',
    { preHandler: [requireUser('ops'), csrfCheck] },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const answer = await callApi(
        app,
        user(request),
        'DELETE',
        `/v1/ops/watchlist/${encodeURIComponent(id)}`,
      );
      if (answer.problem) return showWatchlist(request, reply, answer.problem, answer.status);
      return afterPost(reply, '/console/watchlist');
    },
  );

  app.get('/console/alerts', { preHandler: requireUser('ops') }, async (request, reply) => {
    const answer = await callApi<Page<Record<string, unknown>>>(
      app,
      user(request),
      'GET',
      '/v1/ops/alerts?limit=100',
    );
    return render(request, reply, 'alerts', {
      title: 'Alerts',
      alerts: answer.body.items ?? [],
      problem: answer.problem,
    });
  });
  app.get('/console/audit', { preHandler: requireUser('ops') }, async (request, reply) => {
    const q = request.query as { subjectId?: string; actor?: string };
    const params = new URLSearchParams({ limit: '100' });
    if (q.subjectId) params.set('subjectId', String(q.subjectId));
    if (q.actor) params.set('actor', String(q.actor));
    const answer = await callApi<Page<Record<string, unknown>>>(
      app,
      user(request),
      'GET',
      `/v1/ops/audit?${params.toString()}`,
    );
    return render(
      request,
      reply,
      'audit',
      { title: 'Audit', query: q, audit: answer.body.items ?? [], problem: answer.problem },
      answer.status,
    );
  });
}
