import { z, type ZodType } from 'zod';
import { CreateUserRequest, IssueCodeRequest, IssueCodeResponse, UserView } from './admin.js';
import {
  CompleteResponse,
  OpenSessionRequest,
  CreateSessionResponse,
  RegistrationOptionsRequest,
  RegistrationOptionsResponse,
  RegistrationRequest,
  RegistrationResponse,
  SessionView,
} from './enrolment.js';
import { ApiError } from './errors.js';

interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  auth: 'none' | 'session' | 'admin';
  request?: ZodType;
  response?: { status: number; schema?: ZodType };
}

/** Every endpoint of the verification API, described once from the same schemas the code parses with. */
export const operations: Operation[] = [
  { method: 'post', path: '/v1/sessions', summary: 'Exchange a one-time enrolment code for a short-lived session', auth: 'none', request: OpenSessionRequest, response: { status: 201, schema: CreateSessionResponse } },
  { method: 'get', path: '/v1/sessions/current', summary: 'The session the token names', auth: 'session', response: { status: 200, schema: SessionView } },
  { method: 'post', path: '/v1/sessions/current/registration-options', summary: 'Creation options for a factor the policy allows', auth: 'session', request: RegistrationOptionsRequest, response: { status: 200, schema: RegistrationOptionsResponse } },
  { method: 'post', path: '/v1/sessions/current/registrations', summary: 'Verify a registration; the factor stays pending until completion', auth: 'session', request: RegistrationRequest, response: { status: 201, schema: RegistrationResponse } },
  { method: 'post', path: '/v1/sessions/current/complete', summary: 'Activate the registered factors and close the session', auth: 'session', response: { status: 200, schema: CompleteResponse } },
  { method: 'delete', path: '/v1/sessions/current', summary: 'End the session; pending factors are discarded', auth: 'session', response: { status: 204 } },
  { method: 'post', path: '/v1/admin/users', summary: 'Create a user', auth: 'admin', request: CreateUserRequest, response: { status: 201, schema: UserView } },
  { method: 'post', path: '/v1/admin/policy/reload', summary: 'Re-read the policy file; a file that fails validation is refused and the previous policy stays', auth: 'admin', response: { status: 204 } },
  { method: 'post', path: '/v1/admin/devices/{id}/revoke', summary: 'Revoke a device key: its codes, sessions and calls are refused from then on', auth: 'admin', response: { status: 204 } },
  { method: 'post', path: '/v1/admin/enrolment-codes', summary: 'Issue a one-time enrolment code (shown once)', auth: 'admin', request: IssueCodeRequest, response: { status: 201, schema: IssueCodeResponse } },
];

function json(schema: ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {
      default: { description: 'A refusal', content: { 'application/json': { schema: json(ApiError, 'output') } } },
    };
    if (op.response) {
      responses[String(op.response.status)] = {
        description: op.summary,
        ...(op.response.schema ? { content: { 'application/json': { schema: json(op.response.schema, 'output') } } } : {}),
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      security: op.auth === 'none' ? [] : [{ [op.auth === 'admin' ? 'adminToken' : 'sessionToken']: [] }],
      ...(op.request ? { requestBody: { required: true, content: { 'application/json': { schema: json(op.request, 'input') } } } } : {}),
      responses,
    };
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
          description: 'Enrolment session token from POST /v1/sessions, sent as `Authorization: DPoP <token>` with a `DPoP` proof (RFC 9449) signed by the device key the session is bound to. POST /v1/sessions itself needs a proof too.',
        },
        adminToken: { type: 'http', scheme: 'bearer', description: 'FIRSTKEY_ADMIN_TOKEN' },
      },
    },
  };
}
