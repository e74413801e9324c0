import { z, type ZodType } from 'zod';
import { ApiError } from './errors.js';
import { SESSION_DEADLINES_HEADER, SessionDeadlines } from './enrolment.js';
import { httpOperations, type OperationSpec } from './http.js';

const SCHEMES = { proof: 'deviceProof', session: 'sessionToken', admin: 'adminToken' } as const;

function json(schema: ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
}

/** One OpenAPI parameter object per property of a path or query schema. */
function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): unknown[] {
  if (!schema) return [];
  const described = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(described.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (described.required ?? []).includes(name),
    schema: property,
  }));
}

const TOO_MANY = {
  description:
    'Too many requests or failed answers from this client address, or wrong codes for this account, for now: `rate_limited`; wait `Retry-After` seconds (also `retryAfterSeconds` in the body)',
  headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } } },
  content: { 'application/json': { schema: json(ApiError, 'output') } },
};

/** On every answer to a session call, refusals included: the session's two ends after this call. */
const DEADLINES = {
  [SESSION_DEADLINES_HEADER]: {
    description: "The session's lifetime end and idle end after this call, as JSON",
    schema: { type: 'string', contentMediaType: 'application/json', contentSchema: json(SessionDeadlines, 'output') },
  },
};

function describe(op: OperationSpec): Record<string, unknown> {
  const success: Record<string, unknown> = { description: op.summary };
  if (op.response) success.content = { 'application/json': { schema: json(op.response, 'output') } };
  const headers = op.auth === 'session' ? { headers: DEADLINES } : {};
  Object.assign(success, headers);
  const params = [...parameters('path', op.params), ...parameters('query', op.query)];
  return {
    summary: op.summary,
    security: op.auth === 'none' ? [] : [{ [SCHEMES[op.auth]]: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: !op.optionalBody, content: { 'application/json': { schema: json(op.body, 'input') } } } }
      : {}),
    responses: {
      [String(op.status)]: success,
      ...(op.clientLimited ? { '429': TOO_MANY } : {}),
      default: { description: 'A refusal', ...headers, content: { 'application/json': { schema: json(ApiError, 'output') } } },
    },
  };
}

/** The OpenAPI 3.1 document of the verification API, generated from api/http.ts. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, op] of Object.entries(httpOperations) as [string, OperationSpec][]) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = { operationId: name, ...describe(op) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'FirstKey verification API', version: '1' },
    paths,
    components: {
      securitySchemes: {
        sessionToken: {
          type: 'http',
          scheme: 'DPoP',
          description:
            'Session token from openSession, authenticate or openRecoverySession, sent as `Authorization: DPoP <token>` with a `DPoP` proof (RFC 9449) signed by the device key the session is bound to.',
        },
        deviceProof: {
          type: 'apiKey',
          in: 'header',
          name: 'DPoP',
          description:
            'A DPoP proof (RFC 9449) signed by the device key, without a token: the calls that open sessions or file requests. What they create is bound to that key.',
        },
        adminToken: { type: 'http', scheme: 'bearer', description: 'FIRSTKEY_ADMIN_TOKEN' },
      },
    },
  };
}
