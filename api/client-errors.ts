// Requests Node's HTTP parser refuses before Fastify sees them (headers too large, a timeout,
// bytes that are not HTTP): answered as problem+json like every other error (SPEC §5), not as
// Fastify's default `application/json`.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Problem, statusTitle } from './problem';

function problemFor(code: string | undefined): Problem {
  if (code === 'HPE_HEADER_OVERFLOW')
    return new Problem('HEADERS_TOO_LARGE', 'The request headers are too large.');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new Problem('REQUEST_TIMEOUT', 'The request took too long to arrive.');
  return new Problem('MALFORMED_REQUEST', 'The request could not be understood.');
}

/** Fastify's `clientErrorHandler` (the server's `clientError` event). */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = problemFor(error.code);
  this.log.debug({ code: error.code, status: problem.status }, 'client error');
  const body = JSON.stringify({
    type: 'about:blank',
    title: statusTitle(problem.status),
    status: problem.status,
    detail: problem.message,
    code: problem.code,
  });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
