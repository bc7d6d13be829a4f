import { Type, type Static } from '@fastify/type-provider-typebox';

const WatchlistName = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'Compared after normalisation (white space removed, look-alike dots made ·)',
  examples: ['张三丰'],
});
const BirthDate = Type.String({ format: 'date', examples: ['1990-03-07'] });
const Source = Type.String({ minLength: 1, maxLength: 100, examples: ['UN-SC-1267'] });

export const WatchlistEntryBody = Type.Object(
  { name: WatchlistName, birthDate: Type.Optional(BirthDate), source: Source },
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
    entries: Type.Optional(Type.Array(WatchlistEntryBody, { minItems: 1, maxItems: 1000 })),
  },
  {
    additionalProperties: false,
    description:
      'Either one entry `{name, birthDate?, source}` or a batch `{entries: [{name, birthDate?, source}]}` (at most 1000).',
  },
);
export type AddWatchlistBody = Static<typeof AddWatchlistBody>;

export const AddWatchlistResponse = Type.Object({
  count: Type.Integer({ description: 'Entries received' }),
  added: Type.Integer({ description: 'Entries new to the list' }),
  duplicates: Type.Integer({ description: 'Entries already on the list, left as they were' }),
});
