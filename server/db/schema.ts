import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are ISO-8601 UTC strings: sortable, portable between SQLite and PostgreSQL. */
type Iso = string;

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  role: string;
  account_kind: 'human' | 'service';
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
  used_at: Iso | null;
  failed_attempts: Generated<number>;
  locked_at: Iso | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  code_id: string | null;
  purpose: 'enrol';
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
}

export interface CredentialsTable {
  id: string;
  user_id: string;
  session_id: string;
  factor: 'passkey' | 'security-key';
  status: 'pending' | 'active' | 'revoked';
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
}

export interface Database {
  users: UsersTable;
  enrolment_codes: EnrolmentCodesTable;
  sessions: SessionsTable;
  credentials: CredentialsTable;
  devices: DevicesTable;
  audit_events: AuditEventsTable;
}

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type NewCredential = Insertable<CredentialsTable>;
export type DeviceRow = Selectable<DevicesTable>;
