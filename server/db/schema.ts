import type { AuditProofTables } from './schema-audit-proof.js';
import type { FrictionTables } from './schema-friction.js';
import type { OperatorTables } from './schema-operators.js';
import type { ProvisioningTables } from './schema-provisioning.js';
import type { PostureTables } from './schema-posture.js';
import type { MoverTables } from './schema-movers.js';
import type { BreakGlassTables } from './schema-break-glass.js';
import type { EmergencyAccessTables } from './schema-emergency-access.js';
import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are ISO-8601 UTC strings: sortable, portable between SQLite and PostgreSQL. */
type Iso = string;

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  role: string;
  account_kind: 'human' | 'service' | 'break-glass';
  employment_type: 'employee' | 'contractor';
  created_at: Iso;
}

export interface EnrolmentCodesTable {
  id: string;
  user_id: string;
  /** Public lookup part of the code: lets us count failed attempts per code. */
  handle: string;
  /** SHA-256 of the secret part; codes carry >= 112 bits so a fast hash is enough. */
  secret_hash: string;
  created_at: Iso;
  expires_at: Iso;
  /** When it opened a session, or was voided because its person completed a session another way (enrolment/completion.ts). */
  used_at: Iso | null;
  failed_attempts: Generated<number>;
  locked_at: Iso | null;
  /** No try is checked before this (growing waits after wrong ones); null: at once. */
  next_try_at: Generated<Iso | null>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  code_id: string | null;
  purpose: 'enrol' | 'replace' | 'manage' | 'recover';
  token_hash: string;
  created_at: Iso;
  expires_at: Iso;
  completed_at: Iso | null;
  ended_at: Iso | null;
  /** The one outstanding WebAuthn challenge; cleared when used so it cannot be replayed. */
  challenge: string | null;
  challenge_factor: 'passkey' | 'security-key' | null;
  challenge_expires_at: Iso | null;
  /** Thumbprint of the device key every call of this session must be signed with (DPoP `cnf.jkt`). */
  jkt: string | null;
  device_id: string | null;
  last_seen_at: Iso | null;
  /** What opened it: an enrolment code, an assertion, a recovery code or a help-desk code. */
  opened_by: 'enrolment-code' | 'assertion' | 'recovery-code' | 'helpdesk-code' | 'device-approval' | null;
  /** For sessions opened by an assertion: the factor, and when (fresh-authentication checks). */
  auth_credential_id: string | null;
  authenticated_at: Iso | null;
  /** Opened from this registered kiosk station: security keys only, and only after an operator's confirmation. */
  station_id: string | null;
}

/** A device key the server has seen, by its RFC 7638 thumbprint, with the signals the app sent. */
export interface DevicesTable {
  id: string;
  jkt: string;
  name: string;
  platform: string;
  os_version: string;
  app_version: string;
  kind: 'personal' | 'kiosk';
  first_seen_at: Iso;
  last_seen_at: Iso;
  revoked_at: Iso | null;
  /** The user's own name for the device; the reported `name` is refreshed by the app. */
  label: string | null;
}

/** Which user a (personal) device belongs to: bound when a session of theirs completes on it. */
export interface DeviceBindingsTable {
  user_id: string;
  device_id: string;
  bound_at: Iso;
  released_at: Iso | null;
}

export interface CredentialsTable {
  id: string;
  user_id: string;
  session_id: string;
  factor: 'passkey' | 'security-key';
  status: 'pending' | 'active' | 'suspended' | 'revoked';
  public_key: Uint8Array;
  counter: number;
  transports: string;
  aaguid: string;
  attestation_format: string;
  backup_eligible: number;
  backed_up: number;
  user_verified: number;
  created_at: Iso;
  device_id: string | null;
  authenticator_name: string | null;
  /** End of a time-limited factor (policy factorLifetimeDays), else null. */
  expires_at: Iso | null;
  policy_tier: string | null;
  /** The user's own name for the factor. */
  name: string | null;
  last_used_at: Iso | null;
  /** When it was last revoked, suspended or reinstated. */
  status_changed_at: Iso | null;
}

/** One WebAuthn authentication ceremony: its challenge, for whom, and the device key that asked. */
export interface AssertionCeremoniesTable {
  id: string;
  /** Null for an unknown username: the ceremony then fails like a wrong key would. */
  user_id: string | null;
  purpose: 'replace' | 'manage';
  jkt: string;
  challenge: string;
  created_at: Iso;
  expires_at: Iso;
  used_at: Iso | null;
}

/** Saved recovery codes: a set of 10 per user, each single use. */
export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  set_id: string;
  /** Public part: finds the code within the user's set, so one hash is checked per try. */
  handle: string;
  /** scrypt of the secret part (65 bits: below 112, so a salted, slow hash). */
  secret_hash: string;
  created_at: Iso;
  used_at: Iso | null;
  /** Set when a newer set replaced this one. */
  replaced_at: Iso | null;
}

/** Failed recovery-code tries per username as typed, known or not, so a lock says nothing about existence. */
export interface RecoveryThrottleTable {
  username: string;
  failures: number;
  locked_until: Iso | null;
  updated_at: Iso;
  /** No try is checked before this (growing waits after wrong codes); null: at once. */
  next_try_at: Iso | null;
}

export interface RecoveryRequestsTable {
  id: string;
  /**
   * What the person reads to the help desk: 8 Crockford base32 characters, stored without the dash,
   * unique (migration 0012 gave older rows one; every insert sets it).
   */
  reference: string;
  /** As typed by the person filing; user_id is null when no such human user exists. */
  username: string;
  user_id: string | null;
  /** The filing device: only it can redeem the help-desk code. */
  jkt: string;
  device_id: string;
  status: 'pending' | 'approved' | 'denied' | 'redeemed' | 'locked';
  approvals_required: number;
  created_at: Iso;
  expires_at: Iso;
  decided_by: string | null;
  decided_at: Iso | null;
  deny_reason: string | null;
  code_hash: string | null;
  code_expires_at: Iso | null;
  code_attempts: Generated<number>;
  redeemed_at: Iso | null;
  /** No help-desk code is checked before this (growing waits after wrong ones). */
  next_try_at: Generated<Iso | null>;
}

export interface RecoveryApprovalsTable {
  request_id: string;
  agent: string;
  /** The approving account (migration 0014); null on approvals made before accounts decided. */
  agent_id: string | null;
  approved_at: Iso;
}

/** The outbox a mailer or chat hook drains: the user learns of every recovery and change. */
export interface NotificationsTable {
  /** Insertion order: the order of delivery. */
  id: Generated<number>;
  user_id: string;
  kind: string;
  /** JSON; never codes, tokens or keys. */
  payload: string;
  created_at: Iso;
  delivered_at: Iso | null;
}

/** Server-held random values (e.g. the key that derives decoy credential IDs for unknown usernames). */
export interface ServerSecretsTable {
  name: string;
  value: string;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  at: Iso;
  event: string;
  actor: string;
  user_id: string | null;
  details: string;
  /** SHA-256 over the previous row's hash and this row: an edit breaks the chain. */
  prev_hash: string;
  hash: string;
  /** 'sha256' for rows before migration 0016, 'hmac' (keyed, server/audit/chain.ts) after. */
  chain: Generated<string>;
}

/** A DPoP proof identifier (`jkt:jti`) some instance accepted: refused again until it expires. */
export interface DpopProofsTable {
  key: string;
  expires_at: Iso;
}

/** One client's count in one fixed window: `requests:<address>` or `failures:<address>`. */
export interface ClientLimitsTable {
  key: string;
  /** Start of the window the count belongs to; a new window starts the count again. */
  window_start: Iso;
  hits: number;
}

/**
 * Tries of one thing from one place (`recovery:<client>:<username>`, `enrolment-handle:<handle>`):
 * consecutive failures, the wait they earned, and a lock, kept whether or not the thing exists.
 */
export interface AttemptThrottlesTable {
  key: string;
  failures: number;
  /** No try is checked before this; null: at once. */
  next_try_at: Iso | null;
  locked_until: Iso | null;
  updated_at: Iso;
}

/** One registration of a device key as a kiosk station; pending until its station code is redeemed. */
export interface StationsTable {
  id: string;
  name: string;
  /** Public lookup part of the station code, and SHA-256 of its secret part (as enrolment codes). */
  code_handle: string;
  code_hash: string;
  code_expires_at: Iso;
  created_at: Iso;
  created_by: string;
  /** The station's device key, once registered. Cleared when a newer registration of the same key replaces this one. */
  jkt: string | null;
  registered_at: Iso | null;
  renew_by: Iso | null;
  revoked_at: Iso | null;
  revoked_by: string | null;
  last_seen_at: Iso | null;
}

/** The operator's assertion challenge at a station. */
export interface OperatorCeremoniesTable {
  id: string;
  station_id: string;
  /** Null for a username that is not an operator: the ceremony then fails at confirmation. */
  operator_id: string | null;
  challenge: string;
  created_at: Iso;
  expires_at: Iso;
  used_at: Iso | null;
}

/** Which operator confirmed whom at which station, having checked what; spent by the session it lets open. */
export interface KioskConfirmationsTable {
  id: string;
  station_id: string;
  operator_id: string;
  operator_credential_id: string;
  new_hire_id: string;
  /** JSON array of OperatorCheck. */
  checks: string;
  created_at: Iso;
  expires_at: Iso;
  used_at: Iso | null;
  session_id: string | null;
  /** Set when a later confirmation at the station, or the station's cancel, retired it unused. */
  cancelled_at: Iso | null;
}

/**
 * A new computer's request to be approved from the person's old one (server/device-approval/).
 * Both devices are kept: the one that asked (`device_id`, its key `jkt`) and the one that decided.
 */
export interface DeviceApprovalsTable {
  id: string;
  /** As typed; `user_id` is null when no such (human) user exists, and then nothing can approve it. */
  username: string;
  user_id: string | null;
  jkt: string;
  device_id: string;
  /** HMAC of the short code under a server secret; null once decided, so a decided code finds nothing. */
  code_hash: string | null;
  status: 'pending' | 'approved' | 'denied' | 'collected' | 'withdrawn';
  created_at: Iso;
  /** A pending request lapses at this time; an approved one must be collected by it. */
  expires_at: Iso;
  /** The manage session that typed the right code: only it may decide. */
  found_by_session_id: string | null;
  decided_at: Iso | null;
  decided_by_session_id: string | null;
  approver_device_id: string | null;
  approver_credential_id: string | null;
  collected_at: Iso | null;
  session_id: string | null;
}

export interface Database
  extends
    OperatorTables,
    ProvisioningTables,
    AuditProofTables,
    FrictionTables,
    PostureTables,
    MoverTables,
    BreakGlassTables,
    EmergencyAccessTables {
  users: UsersTable;
  enrolment_codes: EnrolmentCodesTable;
  sessions: SessionsTable;
  credentials: CredentialsTable;
  devices: DevicesTable;
  audit_events: AuditEventsTable;
  device_bindings: DeviceBindingsTable;
  assertion_ceremonies: AssertionCeremoniesTable;
  recovery_codes: RecoveryCodesTable;
  recovery_throttle: RecoveryThrottleTable;
  recovery_requests: RecoveryRequestsTable;
  recovery_approvals: RecoveryApprovalsTable;
  notifications: NotificationsTable;
  server_secrets: ServerSecretsTable;
  dpop_proofs: DpopProofsTable;
  client_limits: ClientLimitsTable;
  attempt_throttles: AttemptThrottlesTable;
  stations: StationsTable;
  operator_ceremonies: OperatorCeremoniesTable;
  kiosk_confirmations: KioskConfirmationsTable;
  device_approvals: DeviceApprovalsTable;
}

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type NewCredential = Insertable<CredentialsTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type RecoveryRequestRow = Selectable<RecoveryRequestsTable>;
export type StationRow = Selectable<StationsTable>;
export type DeviceApprovalRow = Selectable<DeviceApprovalsTable>;
