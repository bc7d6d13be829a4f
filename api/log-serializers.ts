// What a request looks like in the access log: no personal data and no secrets. Query strings
// carry phone numbers (`/v1/sandbox/outbox?recipient=…`), cursors and whatever a client puts
// there, so only their parameter names are kept; headers (tokens, cookies) are never logged.
import type { FastifyRequest } from 'fastify';

export const REDACTED = '[REDACTED]';

/** The path as sent, each query value replaced: `/a?recipient=[REDACTED]&limit=[REDACTED]`. */
export function redactedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const names = url
    .slice(at + 1)
    .split('&')
    .filter((part) => part.length > 0)
    .map((part) => {
      const name = part.split('=')[0]!;
      // A name is only kept when it looks like one; anything else could be data itself.
      return /^[A-Za-z0-9_.-]{1,40}$/.test(name) ? `${name}=${REDACTED}` : REDACTED;
    });
  return `${url.slice(0, at)}?${names.join('&')}`;
}

export const logSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactedUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};
