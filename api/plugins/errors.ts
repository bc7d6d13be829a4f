// Turns every failure into RFC 9457 problem+json. Client mistakes are 4xx with a stable code;
// only our own faults are 500, logged in full and never shown with a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isTemporalUnavailable, WorkflowNotAnswering } from '../temporal-errors';
import { isDatabaseUnavailable } from '../../db/store';
import { fieldReasonCodes } from '../schemas/fields';
import {
  Problem,
  readLater,
  requestPending,
  statusTitle,
  temporalUnavailable,
  databaseUnavailable,
  type FieldProblem,
} from '../problem';

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

function fieldOf(error: AjvError): string {
  const missing = error.params.missingProperty ?? error.params.additionalProperty;
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (typeof missing === 'string') return path ? `${path}.${missing}` : missing;
  return path || '(body)';
}

function fieldProblems(validation: AjvError[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of validation) {
    const field = fieldOf(error);
    if (seen.has(field)) continue;
    seen.add(field);
    const code =
      fieldReasonCodes[field] ??
      (error.keyword === 'required'
        ? 'REQUIRED'
        : error.keyword === 'additionalProperties'
          ? 'UNKNOWN_FIELD'
          : 'INVALID_VALUE');
    problems.push({ field, code });
  }
  return problems;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  for (const [name, value] of Object.entries(problem.headers)) void reply.header(name, value);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: statusTitle(problem.status),
      status: problem.status,
      detail: problem.message,
      instance: request.url.split('?')[0],
      code: problem.code,
      ...problem.extra,
    });
}

function toProblem(
  error: FastifyError & { validation?: AjvError[] },
  method: string,
): Problem | null {
  if (error instanceof Problem) return error;
  if (error instanceof WorkflowNotAnswering)
    return method === 'GET' || method === 'HEAD' ? readLater() : requestPending();
  if (isTemporalUnavailable(error)) return temporalUnavailable();
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  if (error.validation) {
    const errors = fieldProblems(error.validation);
    const ruleCodes = errors.filter((e) =>
      Object.values(fieldReasonCodes).includes(e.code as never),
    );
    const code =
      ruleCodes.length === errors.length && errors[0] ? errors[0].code : 'VALIDATION_FAILED';
    return new Problem(code as Problem['code'], 'The request is not valid.', { errors });
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new Problem('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (status === 415)
    return new Problem('UNSUPPORTED_MEDIA_TYPE', 'This content type is not accepted here.');
  if (status === 429) return new Problem('TOO_MANY_REQUESTS', 'Too many requests; slow down.');
  if (status === 401) return new Problem('UNAUTHORIZED', 'A valid bearer token is required.');
  if (status === 404) return new Problem('NOT_FOUND', 'The request could not be understood.');
  if (status >= 400 && status < 500)
    return new Problem('MALFORMED_REQUEST', 'The request could not be understood.', {}, {}, status);
  return null;
}

/**
 * Fastify's `frameworkErrors`: failures found while routing, before any route or error handler
 * runs (a malformed percent-encoding, a path parameter past `maxParamLength`). Without it they
 * answer Fastify's own JSON rather than a problem.
 */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const problem =
    toProblem(error, request.method) ??
    new Problem('MALFORMED_REQUEST', 'The request could not be understood.');
  void sendProblem(request, reply, problem);
}

export default fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const problem = toProblem(error, request.method);
      if (problem) {
        if (problem.status >= 500) request.log.warn({ err: error }, problem.message);
        return sendProblem(request, reply, problem);
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(
        request,
        reply,
        new Problem('INTERNAL_ERROR', 'Something went wrong on our side.'),
      );
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, new Problem('NOT_FOUND', 'No such route.')),
    );
  },
  { name: 'errors' },
);
