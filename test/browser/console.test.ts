// The back-office console in a real Chromium (SPEC §7): a reviewer's and an ops user's day, the
// console's security headers, escaping and lockout, and the claim routes on the API.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../crypto/password-hash';
import { sqliteStoreOf } from '../../db/sqlite/store';
import { PEOPLE } from '../fixtures/id-card';
import { createNotifyActivities } from '../../notifications/notify';
import { launchBrowser } from '../helpers/browser';
import {
  bearer,
  decide,
  driveToPendingReview,
  freshPerson,
  openBankAccount,
  setPaymentPassword,
  TEST_PAYMENT_PASSWORD,
  uploadClearCard,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

const ARTIFACTS = 'test-artifacts/console';
const PASSWORD = 'correct horse battery 42';

let stack: Stack;
let browser: Browser;
let base: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack({}, { photo: true });
  await stack.api.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(stack.api.server.address() as AddressInfo).port}`;
  const passwordHash = await hashPassword(PASSWORD);
  const store = sqliteStoreOf(stack.database);
  for (const [username, role] of [
    ['rita', 'reviewer'],
    ['rex', 'reviewer'],
    ['olga', 'ops'],
    ['lena', 'reviewer'],
  ] as const)
    await store.createStaffAccount({ username, role, passwordHash });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signedIn(username: string, lang = 'en'): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('dialog', () => {
    throw new Error('a script ran: a dialog opened');
  });
  await page.goto(`${base}/console/login?lang=${lang}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console`.replace(/$/, '**'));
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

describe('the console', () => {
  it('serves a CSP without inline scripts, secure cookies, and htmx from the package', async () => {
    const res = await fetch(`${base}/console/login`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const htmx = await fetch(`${base}/console/assets/htmx.min.js`);
    expect(htmx.status).toBe(200);
    expect(await htmx.text()).toContain('htmx');
    // The API's own routes are not given the console's headers.
    expect((await fetch(`${base}/healthz`)).headers.get('content-security-policy')).toBeNull();
  });

  it('a reviewer claims and approves; a second one cannot decide it; ops freeze the wallet', async () => {
    const { id, token } = await driveToPendingReview(stack, freshPerson(PEOPLE[0]!));

    const rita = await signedIn('rita');
    const cookies = await rita.context().cookies();
    const session = cookies.find((c) => c.name === 'console_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const queue = rita.getByRole('table', { name: 'Review queue' });
    await expect.poll(async () => queue.getByRole('link', { name: id }).count()).toBe(1);
    await shot(rita, 'queue');
    await queue.getByRole('link', { name: id }).click();
    await rita.getByRole('button', { name: 'Claim' }).click();
    await expect.poll(() => rita.getByTestId('claimed-by').textContent()).toBe('reviewer:rita');
    // The case shows the photo, what OCR read and what was submitted.
    expect(
      await rita
        .getByRole('img', { name: 'ID photo' })
        .evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    const compared = rita.getByRole('table', { name: 'Submitted and OCR' });
    await expect.poll(() => compared.getByRole('row').count()).toBe(5);
    await shot(rita, 'case-claimed');

    // A reminder about a claimed case is for its claimer: a count in her header and a list.
    await createNotifyActivities({ store: stack.store, config: stack.config }).notify({
      key: `${id}:review:0:REVIEW_REMINDER`,
      recipient: 'reviewers',
      channel: 'staff',
      template: 'REVIEW_REMINDER',
      params: { applicationId: id, dueAt: new Date().toISOString(), riskLevel: 'LOW' },
    });
    await rita.reload();
    expect(await rita.getByTestId('notification-count').textContent()).toBe('1');
    await rita.getByRole('link', { name: 'Notifications' }).click();
    const told = rita
      .getByRole('table', { name: 'Notifications' })
      .getByRole('row')
      .filter({ hasText: id });
    expect(await told.textContent()).toContain('user:reviewer:rita');
    await shot(rita, 'notifications');
    await rita.goto(`${base}/console/applications/${id}`);

    // A second reviewer sees the claim, and can neither decide nor release it.
    const rex = await signedIn('rex');
    await rex.goto(`${base}/console/applications/${id}`);
    expect(await rex.getByTestId('claimed-by').textContent()).toBe('reviewer:rita');
    await rex.getByRole('button', { name: 'Approve' }).click();
    await expect
      .poll(() => rex.getByRole('alert').getAttribute('data-code'))
      .toBe('CASE_CLAIMED_BY_OTHER');
    expect(await rex.getByRole('alert').textContent()).toContain(
      'Another reviewer has claimed this case.',
    );
    await shot(rex, 'case-claimed-by-other');
    const byApi = await decide(stack, id, 'rex');
    expect(byApi.statusCode).toBe(409);
    expect(byApi.json().code).toBe('CASE_CLAIMED_BY_OTHER');

    await rita.getByRole('button', { name: 'Approve' }).click();
    await expect
      .poll(() => rita.getByTestId('status').textContent())
      .toBe('AWAITING_PAYMENT_PASSWORD');
    const active = await setPaymentPassword(stack, id, token);
    expect(active.json().status).toBe('ACTIVE');
    const walletId = active.json().walletId as string;
    // Money moves: a top-up and a payment to a merchant (its reference).
    const money = (path: string, payload: Record<string, unknown>) =>
      stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/${path}`,
        headers: { ...bearer(token), 'idempotency-key': randomUUID() },
        payload,
      });
    expect((await money('top-ups', { amount: 10_000 })).statusCode).toBe(201);
    const paid = await money('payments', {
      amount: 2_500,
      merchantId: 'm_coffee',
      paymentPassword: TEST_PAYMENT_PASSWORD,
    });
    expect(paid.statusCode, paid.body).toBe(201);

    // Ops look the wallet up by its application and land on its page.
    const olga = await signedIn('olga');
    await olga.goto(`${base}/console/wallets`);
    await olga.getByLabel('Wallet or application id').fill(id);
    await olga.getByRole('button', { name: 'Look up' }).click();
    await olga.waitForURL(`${base}/console/wallets/${walletId}`);
    expect(await olga.getByTestId('wallet-status').textContent()).toBe('ACTIVE');
    expect(await olga.getByTestId('wallet-balance').textContent()).toBe('7500');
    const wallet = olga.getByRole('table', { name: 'Wallet' });
    expect(await wallet.getByRole('columnheader').allTextContents()).toContain(
      'Single payment limit',
    );
    const history = olga.getByRole('table', { name: 'Transactions' });
    const rows = history.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    // Newest first: the payment with its merchant, then the top-up.
    expect(await rows.nth(0).textContent()).toMatch(/PAYMENT[\s\S]*COMPLETED[\s\S]*2500/);
    expect(await rows.nth(0).textContent()).toContain('merchantId: m_coffee');
    expect(await rows.nth(1).textContent()).toMatch(/TOP_UP[\s\S]*COMPLETED[\s\S]*10000/);
    expect(await olga.getByRole('button', { name: 'Unfreeze', exact: true }).isDisabled()).toBe(
      true,
    );
    await olga.getByLabel('Freeze reason', { exact: true }).fill('suspicious top-ups');
    await olga.getByRole('button', { name: 'Freeze', exact: true }).click();
    await expect.poll(() => olga.getByTestId('wallet-status').textContent()).toBe('FROZEN');
    expect(await olga.getByTestId('wallet-frozen-reason').textContent()).toBe('suspicious top-ups');
    await shot(olga, 'wallet-frozen');
    await olga.getByRole('button', { name: 'Unfreeze', exact: true }).click();
    await expect.poll(() => olga.getByTestId('wallet-status').textContent()).toBe('ACTIVE');
    // An unknown id is said so on the look-up page.
    await olga.goto(`${base}/console/wallets?id=no-such-wallet`);
    expect(await olga.getByRole('alert').getAttribute('data-code')).toBe('NOT_FOUND');
    await Promise.all([rita, rex, olga].map((p) => p.context().close()));
  });

  it('shows a hostile name as text, imports and removes watch-list entries, in both languages', async () => {
    const olga = await signedIn('olga', 'zh-CN');
    expect(await olga.getByRole('link', { name: 'Watch list' }).textContent()).toBe('观察名单');
    await olga.goto(`${base}/console/watchlist`);
    const hostile = '<img src=x onerror=alert(1)>';
    await olga
      .getByLabel('Watch list CSV')
      .fill(`name,birthDate,source,aliases\n${hostile},1970,TEST-LIST,\n`);
    await olga.getByRole('button', { name: 'Import watch list' }).click();
    const list = olga.getByRole('table', { name: 'Watch list' });
    await expect.poll(() => list.getByRole('cell', { name: hostile, exact: true }).count()).toBe(1);
    expect(await list.locator('img').count()).toBe(0);
    await shot(olga, 'watchlist-hostile-name');
    await list
      .getByRole('row')
      .filter({ hasText: hostile })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect.poll(() => list.getByRole('cell', { name: hostile, exact: true }).count()).toBe(0);
    // English is remembered once asked for.
    await olga.goto(`${base}/console/watchlist?lang=en`);
    await olga.goto(`${base}/console/watchlist`);
    expect(await olga.getByRole('link', { name: 'Watch list' }).textContent()).toBe('Watch list');
    await olga.context().close();
  });

  it('locks an account after five wrong passwords, even for the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console/login?lang=en`);
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Username').fill('lena');
      await page.getByLabel('Password').fill(`wrong-${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
    }
    await page.getByLabel('Username').fill('lena');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').getAttribute('data-code')).toBe('TOO_MANY_REQUESTS');
    await shot(page, 'locked');
    await context.close();
  });
});

describe('four eyes', () => {
  it('a high-risk case needs a second reviewer: the first cannot give both approvals', async () => {
    const a = freshPerson(PEOPLE[2]!);
    const listed = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: bearer(stack.staffToken('ops')),
      payload: { name: a.person.name, source: 'TEST-LIST' },
    });
    expect(listed.statusCode, listed.body).toBe(201);
    const { id } = await driveToPendingReview(stack, a);

    const rita = await signedIn('rita');
    await rita.goto(`${base}/console/applications/${id}`);
    expect(await rita.getByTestId('approvals-needed').textContent()).toBe('2');
    await rita.getByRole('button', { name: 'Claim' }).click();
    await rita.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => rita.getByTestId('approvals-needed').textContent()).toBe('1');
    // Her part is done: the claim is given back and she cannot approve again.
    expect(await rita.getByTestId('claimed-by').textContent()).toBe('—');
    expect(await rita.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    await shot(rita, 'four-eyes-first-approval');

    const rex = await signedIn('rex');
    await rex.goto(`${base}/console/applications/${id}`);
    await rex.getByRole('button', { name: 'Claim' }).click();
    await rex.getByRole('button', { name: 'Approve' }).click();
    await expect
      .poll(() => rex.getByTestId('status').textContent())
      .toBe('AWAITING_PAYMENT_PASSWORD');
    await Promise.all([rita, rex].map((p) => p.context().close()));
  });
});

describe('a RETRY rejection', () => {
  it('shows what the resubmission changed: the fields and the photo', async () => {
    const first = freshPerson(PEOPLE[3]!);
    const { id, token } = await driveToPendingReview(stack, first);
    const rita = await signedIn('rita');
    await rita.goto(`${base}/console/applications/${id}`);
    // Nothing was rejected yet: no changes to show.
    expect(
      await rita.getByRole('table', { name: 'Changes since the last rejection' }).count(),
    ).toBe(0);
    await rita.getByRole('button', { name: 'Claim' }).click();
    // The queue's claim filters are over the whole queue: hers, and not among the unclaimed.
    await rita.goto(`${base}/console?claimed=mine`);
    const mine = rita.getByRole('table', { name: 'Review queue' });
    expect(await mine.getByRole('link', { name: id }).count()).toBe(1);
    await rita.goto(`${base}/console?claimed=unclaimed`);
    expect(
      await rita
        .getByRole('table', { name: 'Review queue' })
        .getByRole('link', { name: id })
        .count(),
    ).toBe(0);
    await rita.goto(`${base}/console/applications/${id}`);
    await rita.getByLabel('Reason code').selectOption('INFORMATION_INCONSISTENT');
    await rita.getByLabel('Reject type').selectOption('RETRY');
    await rita.getByLabel('Message to applicant').fill('The card is not yours.');
    await rita.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => rita.getByTestId('status').textContent()).toBe('REJECTED');

    // The applicant corrects name, ID number and card (phone kept) and sends the new card.
    const corrected = { ...freshPerson(PEOPLE[1]!), phone: first.phone };
    await openBankAccount(stack, corrected);
    const res = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/resubmission`,
      headers: bearer(token),
      payload: {
        name: corrected.person.name,
        idNumber: corrected.person.idNumber,
        bankCardNumber: corrected.card,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await uploadClearCard(stack, id, token, corrected.person)).status).toBe(
      'PENDING_REVIEW',
    );

    await rita.goto(`${base}/console/applications/${id}`);
    const changes = rita.getByRole('table', { name: 'Changes since the last rejection' });
    const row = (field: string) => changes.locator(`tr[data-field="${field}"]`);
    expect(await row('name').textContent()).toContain(first.person.name);
    expect(await row('name').textContent()).toContain(corrected.person.name);
    expect(await row('idNumber').textContent()).toContain(corrected.person.idNumber);
    expect(await row('bankCardNumber').textContent()).toContain(corrected.card);
    expect(await row('phone').count()).toBe(0);
    expect(await rita.getByTestId('photo-change').textContent()).toBe('Replaced');
    // The rejected round's photo is shown beside it, loaded through the console.
    const earlier = rita.getByTestId('earlier-photo');
    await expect
      .poll(() =>
        earlier.evaluate((i) => {
          const img = i as unknown as { complete: boolean; naturalWidth: number };
          return img.complete ? img.naturalWidth : 0;
        }),
      )
      .toBeGreaterThan(0);
    // The comparison table marks the changed fields too.
    const compared = rita.getByRole('table', { name: 'Submitted and OCR' });
    expect(await compared.locator('tr.changed').count()).toBe(3);
    await shot(rita, 'case-resubmitted');
    await rita.context().close();
  });
});

describe('claim routes', () => {
  it('claim, release, and who may do which', async () => {
    const { id, token } = await driveToPendingReview(stack, freshPerson(PEOPLE[1]!));
    const post = (path: string, auth: string) =>
      stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${id}/${path}`,
        headers: bearer(auth),
      });
    const rita = stack.staffToken('reviewer', 'rita');
    const rex = stack.staffToken('reviewer', 'rex');
    expect((await post('claim', token)).statusCode).toBe(403);
    expect((await post('claim', rita)).json()).toEqual({
      applicationId: id,
      claimedBy: 'reviewer:rita',
    });
    expect((await post('claim', rita)).statusCode).toBe(200);
    const taken = await post('claim', rex);
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({
      code: 'CASE_CLAIMED_BY_OTHER',
      claimedBy: 'reviewer:rita',
    });
    expect((await post('release', rex)).json().code).toBe('CASE_CLAIMED_BY_OTHER');
    // Ops may give anyone's claim back.
    expect((await post('release', stack.staffToken('ops'))).json()).toEqual({
      applicationId: id,
      claimedBy: null,
    });
    expect((await post('claim', rex)).statusCode).toBe(200);
    expect(
      (
        await decide(stack, id, 'rex', {
          decision: 'REJECT',
          reasonCode: 'OTHER',
          rejectType: 'FINAL',
        })
      ).statusCode,
    ).toBe(200);
    // Decided: the claim is gone and the case can no longer be claimed.
    expect((await post('claim', rita)).json().code).toBe('INVALID_STATE');
    const unknown = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications/nope/claim',
      headers: bearer(rita),
    });
    expect(unknown.statusCode).toBe(404);
  });
});
