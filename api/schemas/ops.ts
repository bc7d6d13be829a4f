import { Type, type Static } from '@fastify/type-provider-typebox';

const WatchlistName = Type.String({
  minLength: 1,
  maxLength: 100,
  description:
    'Han names compared after normalisation (white space removed, look-alike dots made ·, ' +
    'traditional characters simplified); Latin names as pinyin (tones, case, spaces, hyphens ' +
    'ignored)',
  examples: ['张三丰', 'Zhang Sanfeng'],
});
const BirthDate = Type.String({
  pattern: '^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$',
  description: '`YYYY-MM-DD`, or `YYYY` when the list gives only the year',
  examples: ['1990-03-07', '1990'],
});
const Source = Type.String({ minLength: 1, maxLength: 100, examples: ['UN-SC-1267'] });
const Aliases = Type.Array(WatchlistName, {
  maxItems: 20,
  description: 'Other names of the same person, matched like the name',
  examples: [['張三豐', 'Chang San-feng']],
});

export const WatchlistEntryBody = Type.Object(
  {
    name: WatchlistName,
    birthDate: Type.Optional(BirthDate),
    source: Source,
    aliases: Type.Optional(Aliases),
  },
  { additionalProperties: false },
);
export type WatchlistEntryBody = Static<typeof WatchlistEntryBody>;

// One object rather than a union: with removeAdditional, Ajv would strip a union's fields while
// trying its first branch. The handler makes sure exactly one of the two forms is used.
export const AddWatchlistBody = Type.Object(
  {
    name: Type.Optional(WatchlistName),
    birthDate: Type.Optional(BirthDate),
    source: Type.Optional(Source),
    aliases: Type.Optional(Aliases),
    entries: Type.Optional(Type.Array(WatchlistEntryBody, { minItems: 1, maxItems: 1000 })),
  },
  {
    additionalProperties: false,
    description:
      'Either one entry `{name, birthDate?, source, aliases?}` or a batch `{entries: [...]}` (at most 1000).',
  },
);
export type AddWatchlistBody = Static<typeof AddWatchlistBody>;

export const AddWatchlistResponse = Type.Object({
  count: Type.Integer({ description: 'Entries received' }),
  added: Type.Integer({ description: 'Entries new to the list' }),
  duplicates: Type.Integer({
    description: 'Entries already on the list, left as they were but for aliases they lacked',
  }),
  rescreenWorkflowId: Type.String({
    description: 'The workflow that screens the active wallets again',
  }),
});

export const WatchlistEntryView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  aliases: Type.Array(Type.String()),
  birthDate: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const Cursor = Type.String({ maxLength: 20, pattern: '^[1-9][0-9]*$' });
const Limit = Type.String({
  pattern: '^([1-9]|[1-9][0-9]|100)$',
  description: '1..100, default 50',
});

export const PageQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);

export const WatchlistPage = Type.Object({
  items: Type.Array(WatchlistEntryView),
  nextCursor: Type.Optional(Type.String()),
});

export const WatchlistIdParams = Type.Object({
  id: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'The entry id' }),
});

export const RemoveWatchlistResponse = Type.Object({
  removed: Type.String({ description: 'The id of the entry removed' }),
  rescreenWorkflowId: Type.String(),
});

export const AlertView = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  kind: Type.Literal('WATCHLIST_ALERT'),
  walletId: Type.String(),
  entryId: Type.Integer(),
  score: Type.Number({ minimum: 0, maximum: 1 }),
});

export const AlertPage = Type.Object({
  items: Type.Array(AlertView),
  nextCursor: Type.Optional(Type.String()),
});

const BankTransfer = Type.Object({
  transferId: Type.String(),
  status: Type.Union([Type.Literal('APPLIED'), Type.Literal('REFUSED')]),
  direction: Type.Union([Type.Literal('DEBIT'), Type.Literal('CREDIT')]),
  amount: Type.Integer({ description: 'fen' }),
  refusal: Type.Optional(Type.String()),
});

export const ReconciliationResponse = Type.Object({
  ok: Type.Boolean({ description: 'No mismatch (pending movements do not count)' }),
  checked: Type.Integer({ description: 'Top-ups and withdrawals in the ledger' }),
  pending: Type.Array(Type.String(), { description: 'Transaction ids still PENDING' }),
  mismatches: Type.Array(
    Type.Object({
      transactionId: Type.String(),
      ledger: Type.Union([
        Type.Object({ status: Type.String(), type: Type.String(), amount: Type.Integer() }),
        Type.Null(),
      ]),
      bank: Type.Union([BankTransfer, Type.Null()]),
    }),
  ),
});
