import { Type, type Static } from '@fastify/type-provider-typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: 'Stable machine-readable reason code' }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), code: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type ProblemBody = Static<typeof ProblemSchema>;

export const problemRef = Type.Unsafe<ProblemBody>(Type.Ref('Problem'));

/** The error answers every route may give, for the OpenAPI document. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, problemRef]));
}

export const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
});
