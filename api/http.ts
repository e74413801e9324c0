import { z, type ZodType } from 'zod';
import { FactorId, operation, RecordId, type OperationSpec } from './operation-spec.js';
import { adminOperations } from './operations/admin.js';
import { consoleOperations } from './operations/console.js';
import { moverOperations } from './operations/movers.js';
import { frictionOperations } from './operations/friction.js';
import { breakGlassOperations } from './operations/break-glass.js';
import { emergencyAccessOperations } from './operations/emergency-access.js';
import { operatorOperations } from './operations/operators.js';
import {
  ApprovalCandidate,
  ApprovalOutcome,
  ApprovalRequestView,
  CollectApprovalRequest,
  DecideApprovalRequest,
  FileApprovalRequest,
  FiledApproval,
  FindApprovalRequest,
} from './device-approval.js';
import {
  CompleteRequest,
  CompleteResponse,
  CreateSessionResponse,
  OpenSessionRequest,
  RegistrationOptionsRequest,
  RegistrationOptionsResponse,
  RegistrationRequest,
  RegistrationResponse,
  SessionView,
} from './enrolment.js';
import {
  ConfirmationView,
  ConfirmNewHireRequest,
  OperatorOptionsRequest,
  OperatorOptionsResponse,
  RegisterStationRequest,
  StationStatus,
} from './kiosk.js';
import { FileRecoveryRequest, OpenRecoverySessionRequest, RecoveryRequestView } from './recovery.js';
import {
  AuthenticateRequest,
  AuthenticationOptionsRequest,
  AuthenticationOptionsResponse,
  DeviceView,
  FactorView,
  RecoveryCodesResponse,
  RenameFactorBody,
  RenameRequest,
  SecurityOverview,
} from './security.js';

/**
 * The verification API's HTTP operations, declared once. The server registers its routes
 * from this table, main's client and the tests call through it, and the OpenAPI document
 * is generated from it: a path, a method, a status or a schema has no second home.
 */

export type { AuthKind, HttpMethod, OperationSpec } from './operation-spec.js';

export const httpOperations = {
  health: operation({
    method: 'GET',
    path: '/healthz',
    summary: 'The process is up (for a load balancer)',
    auth: 'none',
    response: z.object({ ok: z.literal(true) }),
    status: 200,
  }),
  readiness: operation({
    method: 'GET',
    path: '/readyz',
    summary:
      'This instance can serve: database reachable and writable, migrations current, metadata fresh (503 `unavailable` naming what failed)',
    auth: 'none',
    response: z.object({ ready: z.literal(true) }),
    status: 200,
  }),
  openApiDocument: operation({
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document',
    auth: 'none',
    response: z.record(z.string(), z.unknown()),
    status: 200,
  }),
  openSession: operation({
    method: 'POST',
    path: '/v1/sessions',
    summary: 'Exchange a one-time enrolment code for a short-lived session',
    auth: 'proof',
    body: OpenSessionRequest,
    response: CreateSessionResponse,
    status: 201,
    clientLimited: true,
  }),
  authenticationOptions: operation({
    method: 'POST',
    path: '/v1/authentication/options',
    summary: "Request options for an assertion with one of the user's active factors (a decoy for an unknown username)",
    auth: 'proof',
    body: AuthenticationOptionsRequest,
    response: AuthenticationOptionsResponse,
    status: 200,
    clientLimited: true,
  }),
  authenticate: operation({
    method: 'POST',
    path: '/v1/authentication/sessions',
    summary: 'Verify the assertion and open a replace or manage session bound to this device key',
    auth: 'proof',
    body: AuthenticateRequest,
    response: CreateSessionResponse,
    status: 201,
    clientLimited: true,
  }),
  fileRecoveryRequest: operation({
    method: 'POST',
    path: '/v1/recovery/requests',
    summary: 'Ask the help desk to recover an account; the request is bound to this device key',
    auth: 'proof',
    body: FileRecoveryRequest,
    response: RecoveryRequestView,
    status: 201,
    clientLimited: true,
  }),
  recoveryRequestStatus: operation({
    method: 'GET',
    path: '/v1/recovery/requests/{id}',
    summary: 'The state of a help-desk request, for the device that filed it',
    auth: 'proof',
    params: RecordId,
    response: RecoveryRequestView,
    status: 200,
    clientLimited: true,
  }),
  openRecoverySession: operation({
    method: 'POST',
    path: '/v1/recovery/sessions',
    summary: 'Exchange a recovery code (with the username) or a help-desk code (from the filing device) for a short recover session',
    auth: 'proof',
    body: OpenRecoverySessionRequest,
    response: CreateSessionResponse,
    status: 201,
    clientLimited: true,
  }),
  fileDeviceApproval: operation({
    method: 'POST',
    path: '/v1/device-approvals',
    summary:
      "A new computer asks to be approved from the person's old one: the request is bound to this device key and answered with a short code, shown once (the same answer whether or not the username exists)",
    auth: 'proof',
    body: FileApprovalRequest,
    response: FiledApproval,
    status: 201,
    clientLimited: true,
  }),
  deviceApprovalStatus: operation({
    method: 'GET',
    path: '/v1/device-approvals/{id}',
    summary: 'The state of an approval request, for the device that filed it',
    auth: 'proof',
    params: RecordId,
    response: ApprovalRequestView,
    status: 200,
    clientLimited: true,
  }),
  collectDeviceApproval: operation({
    method: 'POST',
    path: '/v1/device-approvals/{id}/session',
    summary: 'Exchange an approved request for a replace session, once, from the device that filed it',
    auth: 'proof',
    params: RecordId,
    body: CollectApprovalRequest,
    response: CreateSessionResponse,
    status: 201,
    clientLimited: true,
  }),
  registerStation: operation({
    method: 'POST',
    path: '/v1/stations',
    summary: 'Register this device key as a kiosk station with an admin-issued station code; its sessions are kiosk sessions from then on',
    auth: 'proof',
    body: RegisterStationRequest,
    response: StationStatus,
    status: 201,
    clientLimited: true,
  }),
  stationStatus: operation({
    method: 'GET',
    path: '/v1/stations/current',
    summary: 'The registration of the station this device key belongs to (`station_not_registered`, `station_revoked`)',
    auth: 'proof',
    response: StationStatus,
    status: 200,
    clientLimited: true,
  }),
  operatorOptions: operation({
    method: 'POST',
    path: '/v1/stations/current/operator-options',
    summary:
      "Options for the operator's assertion with one of their own security keys (user verification required); an unknown or non-operator username gets options of the same shape",
    auth: 'proof',
    body: OperatorOptionsRequest,
    response: OperatorOptionsResponse,
    status: 200,
    clientLimited: true,
  }),
  confirmNewHire: operation({
    method: 'POST',
    path: '/v1/stations/current/confirmations',
    summary:
      "The operator confirms, with their assertion, that they verified the new hire in person; the new hire's code then opens one session on this station",
    auth: 'proof',
    body: ConfirmNewHireRequest,
    response: ConfirmationView,
    status: 201,
    clientLimited: true,
  }),
  cancelConfirmations: operation({
    method: 'POST',
    path: '/v1/stations/current/confirmations/cancel',
    summary:
      "Cancel this station's unused operator confirmations (the operator sends the person away, or the station resets); their codes need a new confirmation",
    auth: 'proof',
    status: 204,
    clientLimited: true,
  }),
  getSession: operation({
    method: 'GET',
    path: '/v1/sessions/current',
    summary: 'The session the token names',
    auth: 'session',
    response: SessionView,
    status: 200,
  }),
  registrationOptions: operation({
    method: 'POST',
    path: '/v1/sessions/current/registration-options',
    summary: 'Creation options for a factor the policy allows (enrol, replace and recover sessions)',
    auth: 'session',
    body: RegistrationOptionsRequest,
    response: RegistrationOptionsResponse,
    status: 200,
  }),
  verifyRegistration: operation({
    method: 'POST',
    path: '/v1/sessions/current/registrations',
    summary: 'Verify a registration; the factor stays pending until completion',
    auth: 'session',
    body: RegistrationRequest,
    response: RegistrationResponse,
    status: 201,
  }),
  complete: operation({
    method: 'POST',
    path: '/v1/sessions/current/complete',
    summary:
      'Activate the registered factors and close the session; a replace session may retire factors and devices or rebind, a recover session retires everything else (body optional)',
    auth: 'session',
    body: CompleteRequest,
    optionalBody: true,
    response: CompleteResponse,
    status: 200,
  }),
  endSession: operation({
    method: 'DELETE',
    path: '/v1/sessions/current',
    summary: 'End the session; pending factors are discarded',
    auth: 'session',
    status: 204,
  }),
  securityOverview: operation({
    method: 'GET',
    path: '/v1/sessions/current/security',
    summary: "The user's factors, devices and recovery-code count (replace and manage sessions)",
    auth: 'session',
    response: SecurityOverview,
    status: 200,
  }),
  renameFactor: operation({
    method: 'PATCH',
    path: '/v1/sessions/current/factors/{id}',
    summary: 'Rename a factor (manage session)',
    auth: 'session',
    params: FactorId,
    body: RenameFactorBody,
    response: FactorView,
    status: 200,
  }),
  removeFactor: operation({
    method: 'DELETE',
    path: '/v1/sessions/current/factors/{id}',
    summary: 'Remove a factor: needs a fresh assertion, never the last active factor (manage session)',
    auth: 'session',
    params: FactorId,
    status: 204,
  }),
  renameDevice: operation({
    method: 'PATCH',
    path: '/v1/sessions/current/devices/{id}',
    summary: 'Rename a device (manage session)',
    auth: 'session',
    params: RecordId,
    body: RenameRequest,
    response: DeviceView,
    status: 200,
  }),
  removeDevice: operation({
    method: 'DELETE',
    path: '/v1/sessions/current/devices/{id}',
    summary: "Remove another of the user's devices, revoking its key: needs a fresh assertion (manage session)",
    auth: 'session',
    params: RecordId,
    status: 204,
  }),
  regenerateRecoveryCodes: operation({
    method: 'POST',
    path: '/v1/sessions/current/recovery-codes',
    summary: 'A new set of recovery codes, shown once; the old set stops working. Needs a fresh assertion (manage session)',
    auth: 'session',
    response: RecoveryCodesResponse,
    status: 201,
  }),
  findDeviceApproval: operation({
    method: 'POST',
    path: '/v1/sessions/current/device-approvals/lookup',
    summary:
      "Find the user's own pending approval request by the code the new computer shows (fresh manage session; wrong codes are throttled per user)",
    auth: 'session',
    body: FindApprovalRequest,
    response: ApprovalCandidate,
    status: 200,
  }),
  decideDeviceApproval: operation({
    method: 'POST',
    path: '/v1/sessions/current/device-approvals/{id}/decision',
    summary: 'Approve or deny the request this session found by its code (fresh manage session)',
    auth: 'session',
    params: RecordId,
    body: DecideApprovalRequest,
    response: ApprovalOutcome,
    status: 200,
  }),
  ...adminOperations,
  ...operatorOperations,
  ...consoleOperations,
  ...moverOperations,
  ...frictionOperations,
  ...breakGlassOperations,
  ...emergencyAccessOperations,
} as const satisfies Record<string, OperationSpec>;

export type HttpOperations = typeof httpOperations;
export type OperationName = keyof HttpOperations;
export const operationNames = Object.keys(httpOperations) as OperationName[];

type Op<N extends OperationName> = HttpOperations[N];
type Field<N extends OperationName, K extends keyof OperationSpec> = K extends keyof Op<N> ? Op<N>[K] : undefined;

type ParamsInput<N extends OperationName> = Field<N, 'params'> extends ZodType ? { params: z.input<Field<N, 'params'>> } : unknown;
type ParamsOutput<N extends OperationName> = Field<N, 'params'> extends ZodType ? { params: z.output<Field<N, 'params'>> } : unknown;
type QueryInput<N extends OperationName> = Field<N, 'query'> extends ZodType ? { query?: z.input<Field<N, 'query'>> } : unknown;
type QueryOutput<N extends OperationName> = Field<N, 'query'> extends ZodType ? { query: z.output<Field<N, 'query'>> } : unknown;
type BodyInput<N extends OperationName> =
  Field<N, 'body'> extends ZodType
    ? Field<N, 'optionalBody'> extends true
      ? { body?: z.input<Field<N, 'body'>> }
      : { body: z.input<Field<N, 'body'>> }
    : unknown;
type BodyOutput<N extends OperationName> = Field<N, 'body'> extends ZodType ? { body: z.output<Field<N, 'body'>> } : unknown;

/** What a caller sends: path parameters, query and body as the schemas accept them. */
export type OperationInput<N extends OperationName> = ParamsInput<N> & QueryInput<N> & BodyInput<N>;
/** What a handler receives: the same, parsed (defaults applied). */
export type ParsedInput<N extends OperationName> = ParamsOutput<N> & QueryOutput<N> & BodyOutput<N>;
/** The success answer's body; nothing for 204. */
// `void`, not `undefined`: a 204 handler hands back the service's Promise<void> as it is.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type OperationOutput<N extends OperationName> = Field<N, 'response'> extends ZodType ? z.output<Field<N, 'response'>> : void;
export type OperationAuth<N extends OperationName> = Op<N>['auth'];

/** The operation's URL path with its parameters filled in (each one percent-encoded). */
export function operationPath(spec: OperationSpec, params: Record<string, string> = {}, query: Record<string, string> = {}): string {
  const path = spec.path.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${spec.method} ${spec.path}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}
