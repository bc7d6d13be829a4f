// The test helpers' `stack.api.inject` over real HTTP, spread over several API processes: each
// request goes to the next base URL in turn, so one flow crosses every process.
import { signStaffToken } from '../../api/tokens';
import type { Stack } from './stack';

interface InjectOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

export interface HttpAnswer {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  json(): any;
}

export interface HttpStack {
  api: { inject(options: InjectOptions): Promise<HttpAnswer> };
  staffToken(role: 'reviewer' | 'ops', name?: string): string;
  /** Which process answered each request, by base URL. */
  answeredBy: Map<string, number>;
  /** Stop sending to `base` (its process was killed). */
  drop(base: string): void;
}

export function httpStack(bases: string[], authSecret: string): HttpStack {
  const live = [...bases];
  const answeredBy = new Map<string, number>();
  let next = 0;
  return {
    answeredBy,
    drop(base) {
      const at = live.indexOf(base);
      if (at >= 0) live.splice(at, 1);
    },
    staffToken: (role, name = `${role}-1`) => signStaffToken(authSecret, role, name),
    api: {
      async inject({ method, url, headers = {}, payload }) {
        const base = live[next++ % live.length]!;
        const binary = Buffer.isBuffer(payload);
        const res = await fetch(`${base}${url}`, {
          method,
          headers: {
            ...(payload !== undefined && !binary ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body: payload === undefined ? undefined : binary ? payload : JSON.stringify(payload),
        });
        answeredBy.set(base, (answeredBy.get(base) ?? 0) + 1);
        const body = await res.text();
        return {
          statusCode: res.status,
          body,
          headers: Object.fromEntries(res.headers),
          json: () => JSON.parse(body),
        };
      },
    },
  };
}

/** The onboarding helpers take a Stack; they use only `api.inject` and `staffToken`. */
export const asStack = (stack: HttpStack) => stack as unknown as Stack;
