// An example core-banking server speaking the contract of docs/core-banking.md, in memory, bound
// to 127.0.0.1: `npm run example-bank -- [port]` for trying SANDBOX=0 by hand, and started
// in-process by the tests, which inject its faults (an answer dropped after the transfer was
// applied, the whole bank down).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface ExampleAccount {
  cardNumber: string;
  holderName: string;
  idNumber: string;
  status: 'NORMAL' | 'FROZEN' | 'CLOSED';
  realNameVerified: boolean;
  balance: number;
}

interface Transfer {
  transferId: string;
  cardNumber: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: number;
  status: 'APPLIED' | 'REFUSED';
  refusal?: 'INSUFFICIENT_FUNDS' | 'ACCOUNT_NOT_NORMAL' | 'ACCOUNT_NOT_FOUND';
}

export interface Faults {
  /** Every request fails: the connection is cut without an answer. */
  down: boolean;
  /** The next this many new transfers are applied, then their connection is cut unanswered. */
  dropAnswers: number;
  /** The next this many new transfers are applied and never answered (the caller times out). */
  holdAnswers: number;
}

export async function startExampleCoreBank({ port = 0 }: { port?: number } = {}) {
  const accounts = new Map<string, ExampleAccount>();
  const transfers = new Map<string, Transfer>();
  const faults: Faults = { down: false, dropAnswers: 0, holdAnswers: 0 };
  let requests = 0;

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const answerOf = ({ cardNumber: _card, ...rest }: Transfer) => rest;

  async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown> | null> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }

  function transfer(body: Record<string, unknown>): { status: number; body: unknown } {
    const { transferId, cardNumber, direction, amount } = body;
    if (
      typeof transferId !== 'string' ||
      !/^[A-Za-z0-9_:.-]{1,128}$/.test(transferId) ||
      typeof cardNumber !== 'string' ||
      (direction !== 'DEBIT' && direction !== 'CREDIT') ||
      !Number.isSafeInteger(amount) ||
      (amount as number) <= 0
    )
      return { status: 400, body: { code: 'INVALID_REQUEST' } };
    const prior = transfers.get(transferId);
    if (prior) {
      if (
        prior.cardNumber !== cardNumber ||
        prior.direction !== direction ||
        prior.amount !== amount
      )
        return { status: 409, body: { code: 'TRANSFER_ID_REUSED' } };
      return { status: 200, body: answerOf(prior) };
    }
    const account = accounts.get(cardNumber);
    const record: Transfer = {
      transferId,
      cardNumber,
      direction,
      amount: amount as number,
      status: 'APPLIED',
    };
    if (!account) Object.assign(record, { status: 'REFUSED', refusal: 'ACCOUNT_NOT_FOUND' });
    else if (account.status !== 'NORMAL')
      Object.assign(record, { status: 'REFUSED', refusal: 'ACCOUNT_NOT_NORMAL' });
    else if (direction === 'DEBIT' && account.balance < record.amount)
      Object.assign(record, { status: 'REFUSED', refusal: 'INSUFFICIENT_FUNDS' });
    else account.balance += direction === 'DEBIT' ? -record.amount : record.amount;
    transfers.set(transferId, record);
    return { status: 201, body: answerOf(record) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://bank');
    const path = url.pathname;
    // The test's own controls, outside the contract: accounts and faults.
    if (req.method === 'POST' && path === '/_admin/accounts') {
      const body = (await bodyOf(req)) as unknown as ExampleAccount | null;
      if (!body || typeof body.cardNumber !== 'string') return send(res, 400);
      accounts.set(body.cardNumber, { ...body, balance: body.balance ?? 100_000_000 });
      return send(res, 201, accounts.get(body.cardNumber));
    }
    if (req.method === 'POST' && path === '/_admin/faults') {
      Object.assign(faults, await bodyOf(req));
      return send(res, 200, faults);
    }
    requests += 1;
    if (faults.down) return req.socket.destroy();
    if (req.method === 'GET' && path.startsWith('/accounts/')) {
      const account = accounts.get(decodeURIComponent(path.slice('/accounts/'.length)));
      if (!account) return send(res, 404, { code: 'ACCOUNT_NOT_FOUND' });
      const { holderName, idNumber, status, realNameVerified } = account;
      return send(res, 200, { holderName, idNumber, status, realNameVerified });
    }
    if (req.method === 'POST' && path === '/transfers') {
      const body = await bodyOf(req);
      if (!body) return send(res, 400, { code: 'INVALID_REQUEST' });
      const isNew = typeof body.transferId === 'string' && !transfers.has(body.transferId);
      const answer = transfer(body);
      if (isNew && answer.status === 201 && faults.dropAnswers > 0) {
        faults.dropAnswers -= 1;
        return req.socket.destroy();
      }
      if (isNew && answer.status === 201 && faults.holdAnswers > 0) {
        faults.holdAnswers -= 1;
        return;
      }
      return send(res, answer.status, answer.body);
    }
    if (req.method === 'GET' && path === '/transfers')
      return send(res, 200, { items: [...transfers.values()].map(answerOf) });
    if (req.method === 'GET' && path.startsWith('/transfers/')) {
      const found = transfers.get(decodeURIComponent(path.slice('/transfers/'.length)));
      return found
        ? send(res, 200, answerOf(found))
        : send(res, 404, { code: 'TRANSFER_NOT_FOUND' });
    }
    return send(res, 404, { code: 'NOT_FOUND' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    faults,
    accounts,
    transfers,
    /** Requests of the contract received so far (faults included). */
    requests: () => requests,
    addAccount(account: Omit<ExampleAccount, 'balance'> & { balance?: number }) {
      accounts.set(account.cardNumber, { ...account, balance: account.balance ?? 100_000_000 });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ExampleCoreBank = Awaited<ReturnType<typeof startExampleCoreBank>>;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bank = await startExampleCoreBank({ port: Number(process.argv[2] ?? 4100) });
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: bank.url })}\n`);
}
