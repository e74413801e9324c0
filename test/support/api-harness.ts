import { expect } from 'vitest';
import { IssueCodeResponse } from '../../api/admin.js';
import {
  CompleteResponse,
  CreateSessionResponse,
  RegistrationOptionsResponse,
  type DeviceSignals,
  type FactorKind,
} from '../../api/enrolment.js';
import { ApiError } from '../../api/errors.js';
import { AuthenticationOptionsResponse, type AuthenticationPurpose } from '../../api/security.js';
import type { ServerConfig, ServerConfigInput } from '../../server/config.js';
import type { AttestationJudge } from '../../server/policy/evaluate.js';
import type { StartOptions } from '../../server/start.js';
import type { RunningServer } from '../../server/start.js';
import type { OperationName, OperationOutput } from '../../api/http.js';
import { DpopKey } from './dpop-key.js';
import { operation, send, type Reply, type SendOptions } from './http-client.js';

export type { Reply } from './http-client.js';
import { startTestServer, TEST_DEVICE, TEST_ORIGIN, TestClock, testConfig } from './service-harness.js';
import { SoftAuthenticator, type GetInput } from './soft-authenticator.js';

/**
 * The verification server over real HTTP for the lifecycle tests (replacement, recovery,
 * rebinding): an in-memory database, a clock the test moves, devices that sign DPoP proofs,
 * and software authenticators that register and assert.
 */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

/** Every attestation counts as trusted, so privileged users (trusted hardware keys only) can enrol in tests. */
export const trustEverything: AttestationJudge = async () => ({ trusted: true, compromised: false, authenticatorName: 'Test Key' });

/** A refusal: the status, and a body that is exactly the documented envelope. */
export function expectRefusal(reply: Reply, status: number, code: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(ApiError.strict().parse(reply.body).error.code).toBe(code);
}

/** The operation's documented success: its status, and a body its response schema accepts (typed). */
export function expectAnswer<N extends OperationName>(name: N, reply: Reply): OperationOutput<N> {
  const spec = operation(name);
  expect(reply.status, `${name}: ${JSON.stringify(reply.body)}`).toBe(spec.status);
  return (spec.response ? spec.response.parse(reply.body) : undefined) as OperationOutput<N>;
}

export function expectStatus(reply: Reply, status: number): unknown {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply.body;
}

export const passkey = () => new SoftAuthenticator({ attachment: 'platform', userVerified: true });
/** A security key with a real signature counter (starts at 1, counts up). */
export const securityKey = () =>
  new SoftAuthenticator({
    attachment: 'cross-platform',
    attestation: 'packed',
    userVerified: true,
    signCount: 1,
    aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  });

export interface UserOptions {
  role?: string;
  username?: string;
  employmentType?: 'employee' | 'contractor';
}

export class Api {
  private users = 0;

  private constructor(
    readonly server: RunningServer,
    readonly clock: TestClock,
    readonly config: ServerConfig,
  ) {}

  static async start(overrides: Partial<ServerConfigInput> = {}, opts: Pick<StartOptions, 'policy' | 'attestation'> = {}): Promise<Api> {
    const clock = new TestClock();
    const config = testConfig({ adminToken: ADMIN_TOKEN, ...overrides });
    const server = await startTestServer({ adminToken: ADMIN_TOKEN, ...overrides }, { clock, attestation: trustEverything, ...opts });
    return new Api(server, clock, config);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  get db() {
    return this.server.db;
  }

  /** The outbox rows of one user, oldest first. */
  async notificationsOf(username: string): Promise<{ kind: string; payload: string }[]> {
    return this.db
      .selectFrom('notifications')
      .innerJoin('users', 'users.id', 'notifications.user_id')
      .select(['notifications.kind', 'notifications.payload'])
      .where('users.username', '=', username)
      .orderBy('notifications.id')
      .execute();
  }

  async auditOf(username: string): Promise<{ event: string; actor: string; details: Record<string, unknown> }[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .innerJoin('users', 'users.id', 'audit_events.user_id')
      .select(['audit_events.event', 'audit_events.actor', 'audit_events.details'])
      .where('users.username', '=', username)
      .orderBy('audit_events.seq')
      .execute();
    return rows.map((r) => ({ event: r.event, actor: r.actor, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  async deviceId(device: Device): Promise<string> {
    const row = await this.db.selectFrom('devices').select('id').where('jkt', '=', device.jkt).executeTakeFirstOrThrow();
    return row.id;
  }

  async device(signals: Partial<DeviceSignals> = {}): Promise<Device> {
    return new Device(this, await DpopKey.create(() => this.clock.now().getTime()), { ...TEST_DEVICE, ...signals });
  }

  /** An operator's call with the admin token. */
  admin(name: OperationName, opts: Omit<SendOptions, 'adminToken' | 'key'> = {}): Promise<Reply> {
    return send(this.server.url, name, { ...opts, adminToken: ADMIN_TOKEN });
  }

  async createUser(opts: UserOptions = {}): Promise<string> {
    const username = opts.username ?? `person${++this.users}`;
    const body = {
      username,
      displayName: `Person ${username}`,
      email: `${username}@corp.example`,
      role: opts.role ?? 'engineer',
      employmentType: opts.employmentType ?? 'employee',
    };
    expectStatus(await this.admin('createUser', { body }), 201);
    return username;
  }

  async enrolmentCode(username: string): Promise<string> {
    return IssueCodeResponse.parse(expectStatus(await this.admin('issueCode', { body: { username } }), 201)).code;
  }

  /** A user enrolled on `device` with `authenticator`: what the first day leaves behind. */
  async enrolled(device: Device, authenticator: SoftAuthenticator, factor: FactorKind, opts: UserOptions = {}) {
    const username = await this.createUser(opts);
    const token = await device.openEnrolment(await this.enrolmentCode(username));
    const credentialId = await device.register(token, factor, authenticator);
    const done = await device.complete(token);
    expect(done.recoveryCodes).toHaveLength(10);
    return { username, credentialId, recoveryCodes: done.recoveryCodes ?? [] };
  }
}

/** One installation of the app: its device key and the signals main reports. */
export class Device {
  constructor(
    private readonly api: Api,
    readonly key: DpopKey,
    readonly signals: DeviceSignals,
  ) {}

  get jkt(): string {
    return this.key.jkt;
  }

  /** A call signed by this device's key. */
  call(name: OperationName, opts: Omit<SendOptions, 'key'> = {}): Promise<Reply> {
    return send(this.api.server.url, name, { ...opts, key: this.key });
  }

  async openEnrolment(code: string): Promise<string> {
    return CreateSessionResponse.parse(expectStatus(await this.call('openSession', { body: { code, device: this.signals } }), 201)).token;
  }

  async register(token: string, factor: FactorKind, authenticator: SoftAuthenticator): Promise<string> {
    const reply = await this.call('registrationOptions', { token, body: { factor } });
    const { options } = RegistrationOptionsResponse.parse(expectStatus(reply, 200));
    const response = authenticator.create(options, { origin: TEST_ORIGIN });
    expectStatus(await this.call('verifyRegistration', { token, body: { factor, response } }), 201);
    return response.id;
  }

  async complete(token: string, json?: unknown): Promise<CompleteResponse> {
    return CompleteResponse.parse(expectStatus(await this.completion(token, json), 200));
  }

  completion(token: string, body?: unknown): Promise<Reply> {
    return this.call('complete', { token, ...(body === undefined ? {} : { body }) });
  }

  /** Options, the ceremony, and the assertion: the reply of the last call (201 with a session, or a refusal). */
  async authenticate(
    username: string,
    purpose: AuthenticationPurpose,
    authenticator: SoftAuthenticator,
    input: Partial<GetInput> = {},
  ): Promise<Reply> {
    const asked = await this.call('authenticationOptions', { body: { username, purpose } });
    const { ceremonyId, options } = AuthenticationOptionsResponse.parse(expectStatus(asked, 200));
    const response = authenticator.get(options, { origin: TEST_ORIGIN, ...input });
    return this.call('authenticate', { body: { ceremonyId, response, device: this.signals } });
  }

  /** authenticate(), expecting a session: its token. */
  async sessionWith(
    username: string,
    purpose: AuthenticationPurpose,
    authenticator: SoftAuthenticator,
    input: Partial<GetInput> = {},
  ): Promise<string> {
    const reply = await this.authenticate(username, purpose, authenticator, input);
    const opened = CreateSessionResponse.parse(expectStatus(reply, 201));
    expect(opened.session.purpose).toBe(purpose);
    return opened.token;
  }

  recover(json: Record<string, unknown>): Promise<Reply> {
    return this.call('openRecoverySession', { body: { ...json, device: this.signals } });
  }
}
