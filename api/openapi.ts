import { z, type ZodType } from 'zod';
import { CreateUserRequest, IssueCodeRequest, IssueCodeResponse, UserView } from './admin.js';
import {
  CompleteRequest,
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
import {
  FileRecoveryRequest,
  HelpdeskRequestView,
  OpenRecoverySessionRequest,
  RecoveryApprovalRequest,
  RecoveryApprovalResponse,
  RecoveryDenialRequest,
  RecoveryRequestList,
  RecoveryRequestView,
  ReinstateFactorRequest,
  ResetRecoveryLockRequest,
} from './recovery.js';
import {
  AuthenticateRequest,
  AuthenticationOptionsRequest,
  AuthenticationOptionsResponse,
  DeviceView,
  FactorView,
  RecoveryCodesResponse,
  RenameRequest,
  SecurityOverview,
} from './security.js';

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  /** `proof`: a DPoP proof of the device key, no token yet. `session`: a DPoP-bound session token. */
  auth: 'none' | 'proof' | 'session' | 'admin';
  request?: ZodType;
  /** The body may be left out (defaults apply). */
  optionalBody?: boolean;
  response?: { status: number; schema?: ZodType };
}

/** Every endpoint of the verification API, described once from the same schemas the code parses with. */
export const operations: Operation[] = [
  {
    method: 'post',
    path: '/v1/sessions',
    summary: 'Exchange a one-time enrolment code for a short-lived session',
    auth: 'proof',
    request: OpenSessionRequest,
    response: { status: 201, schema: CreateSessionResponse },
  },
  {
    method: 'post',
    path: '/v1/authentication/options',
    summary: "Request options for an assertion with one of the user's active factors (a decoy for an unknown username)",
    auth: 'proof',
    request: AuthenticationOptionsRequest,
    response: { status: 200, schema: AuthenticationOptionsResponse },
  },
  {
    method: 'post',
    path: '/v1/authentication/sessions',
    summary: 'Verify the assertion and open a replace or manage session bound to this device key',
    auth: 'proof',
    request: AuthenticateRequest,
    response: { status: 201, schema: CreateSessionResponse },
  },
  {
    method: 'post',
    path: '/v1/recovery/requests',
    summary: 'Ask the help desk to recover an account; the request is bound to this device key',
    auth: 'proof',
    request: FileRecoveryRequest,
    response: { status: 201, schema: RecoveryRequestView },
  },
  {
    method: 'get',
    path: '/v1/recovery/requests/{id}',
    summary: 'The state of a help-desk request, for the device that filed it',
    auth: 'proof',
    response: { status: 200, schema: RecoveryRequestView },
  },
  {
    method: 'post',
    path: '/v1/recovery/sessions',
    summary: 'Exchange a recovery code (with the username) or a help-desk code (from the filing device) for a short recover session',
    auth: 'proof',
    request: OpenRecoverySessionRequest,
    response: { status: 201, schema: CreateSessionResponse },
  },
  {
    method: 'get',
    path: '/v1/sessions/current',
    summary: 'The session the token names',
    auth: 'session',
    response: { status: 200, schema: SessionView },
  },
  {
    method: 'post',
    path: '/v1/sessions/current/registration-options',
    summary: 'Creation options for a factor the policy allows (enrol, replace and recover sessions)',
    auth: 'session',
    request: RegistrationOptionsRequest,
    response: { status: 200, schema: RegistrationOptionsResponse },
  },
  {
    method: 'post',
    path: '/v1/sessions/current/registrations',
    summary: 'Verify a registration; the factor stays pending until completion',
    auth: 'session',
    request: RegistrationRequest,
    response: { status: 201, schema: RegistrationResponse },
  },
  {
    method: 'post',
    path: '/v1/sessions/current/complete',
    summary:
      'Activate the registered factors and close the session; a replace session may retire factors and devices or rebind, a recover session retires everything else (body optional)',
    auth: 'session',
    request: CompleteRequest,
    optionalBody: true,
    response: { status: 200, schema: CompleteResponse },
  },
  {
    method: 'delete',
    path: '/v1/sessions/current',
    summary: 'End the session; pending factors are discarded',
    auth: 'session',
    response: { status: 204 },
  },
  {
    method: 'get',
    path: '/v1/sessions/current/security',
    summary: "The user's factors, devices and recovery-code count (replace and manage sessions)",
    auth: 'session',
    response: { status: 200, schema: SecurityOverview },
  },
  {
    method: 'patch',
    path: '/v1/sessions/current/factors/{id}',
    summary: 'Rename a factor (manage session)',
    auth: 'session',
    request: RenameRequest,
    response: { status: 200, schema: FactorView },
  },
  {
    method: 'delete',
    path: '/v1/sessions/current/factors/{id}',
    summary: 'Remove a factor: needs a fresh assertion, never the last active factor (manage session)',
    auth: 'session',
    response: { status: 204 },
  },
  {
    method: 'patch',
    path: '/v1/sessions/current/devices/{id}',
    summary: 'Rename a device (manage session)',
    auth: 'session',
    request: RenameRequest,
    response: { status: 200, schema: DeviceView },
  },
  {
    method: 'delete',
    path: '/v1/sessions/current/devices/{id}',
    summary: "Remove another of the user's devices, revoking its key: needs a fresh assertion (manage session)",
    auth: 'session',
    response: { status: 204 },
  },
  {
    method: 'post',
    path: '/v1/sessions/current/recovery-codes',
    summary: 'A new set of recovery codes, shown once; the old set stops working. Needs a fresh assertion (manage session)',
    auth: 'session',
    response: { status: 201, schema: RecoveryCodesResponse },
  },
  {
    method: 'post',
    path: '/v1/admin/users',
    summary: 'Create a user',
    auth: 'admin',
    request: CreateUserRequest,
    response: { status: 201, schema: UserView },
  },
  {
    method: 'post',
    path: '/v1/admin/policy/reload',
    summary: 'Re-read the policy file; a file that fails validation is refused and the previous policy stays',
    auth: 'admin',
    response: { status: 204 },
  },
  {
    method: 'post',
    path: '/v1/admin/devices/{id}/revoke',
    summary: 'Revoke a device key: its codes, sessions and calls are refused from then on',
    auth: 'admin',
    response: { status: 204 },
  },
  {
    method: 'post',
    path: '/v1/admin/enrolment-codes',
    summary: 'Issue a one-time enrolment code (shown once)',
    auth: 'admin',
    request: IssueCodeRequest,
    response: { status: 201, schema: IssueCodeResponse },
  },
  {
    method: 'get',
    path: '/v1/admin/recovery-requests',
    summary: 'Open help-desk recovery requests (`?all=true` for every one)',
    auth: 'admin',
    response: { status: 200, schema: RecoveryRequestList },
  },
  {
    method: 'post',
    path: '/v1/admin/recovery-requests/{id}/approve',
    summary:
      'Approve a request, naming its username; the final approval (two different agents for privileged users) returns the one-time help-desk code',
    auth: 'admin',
    request: RecoveryApprovalRequest,
    response: { status: 200, schema: RecoveryApprovalResponse },
  },
  {
    method: 'post',
    path: '/v1/admin/recovery-requests/{id}/deny',
    summary: 'Deny a request, naming its username',
    auth: 'admin',
    request: RecoveryDenialRequest,
    response: { status: 200, schema: HelpdeskRequestView },
  },
  {
    method: 'post',
    path: '/v1/admin/recovery-locks/reset',
    summary: "Lift a username's recovery-code lock after verifying the person",
    auth: 'admin',
    request: ResetRecoveryLockRequest,
    response: { status: 204 },
  },
  {
    method: 'post',
    path: '/v1/admin/factors/{id}/reinstate',
    summary: 'Put a factor suspended by a recovery back in use, after review',
    auth: 'admin',
    request: ReinstateFactorRequest,
    response: { status: 204 },
  },
];

const SCHEMES = { proof: 'deviceProof', session: 'sessionToken', admin: 'adminToken' } as const;

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
      security: op.auth === 'none' ? [] : [{ [SCHEMES[op.auth]]: [] }],
      ...(op.request
        ? { requestBody: { required: !op.optionalBody, content: { 'application/json': { schema: json(op.request, 'input') } } } }
        : {}),
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
          description:
            'Session token from POST /v1/sessions, /v1/authentication/sessions or /v1/recovery/sessions, sent as `Authorization: DPoP <token>` with a `DPoP` proof (RFC 9449) signed by the device key the session is bound to.',
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
