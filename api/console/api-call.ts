// The console acts through the API itself: each page or form is one or more in-process requests
// (`inject`) to the /v1 routes under a one-minute token of the signed-in member of staff. So a
// console action is validated by the same schemas, refused by the same rules and audited the
// same way as through the API: one way to do each thing.
import type { FastifyInstance } from 'fastify';
import { staffClaims } from '../tokens';
import type { ConsoleUser } from './session';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  /** The problem+json of a refusal, for the page to show. */
  problem: { code: string; message: string } | null;
  raw: Buffer;
  contentType: string;
}

export async function callApi<T = Record<string, unknown>>(
  app: FastifyInstance,
  user: ConsoleUser,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: object | string,
  contentType = 'application/json',
): Promise<ApiAnswer<T>> {
  const token = app.jwt.sign(staffClaims(user.role, user.username), { expiresIn: '1m' });
  const res = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(payload !== undefined ? { 'content-type': contentType } : {}),
    },
    ...(payload !== undefined ? { payload } : {}),
  });
  const type = String(res.headers['content-type'] ?? '');
  const json: Record<string, unknown> = type.includes('json') ? res.json() : {};
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return {
    status: res.statusCode,
    body: json as T,
    problem:
      res.statusCode >= 400
        ? {
            code: text(json.code) || String(res.statusCode),
            message: text(json.detail) || text(json.title),
          }
        : null,
    raw: res.rawPayload,
    contentType: type,
  };
}
