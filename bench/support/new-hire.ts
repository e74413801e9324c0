import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { IssueCodeResponse } from '../../api/admin.js';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { CompleteResponse, CreateSessionResponse, RegistrationOptionsResponse, type DeviceSignals } from '../../api/enrolment.js';
import type { OperationName } from '../../api/http.js';
import { DpopKey } from '../../test/support/dpop-key.js';
import { operation, urlOf } from '../../test/support/http-client.js';
import { SoftAuthenticator } from '../../test/support/soft-authenticator.js';

/**
 * One new hire's first enrolment over HTTP, as the load benchmark runs fifty at once: IT issues a
 * code through the admin API, then the hire's device opens a session, asks for passkey options,
 * registers a passkey from the soft authenticator and completes (which issues the recovery codes).
 * Every device call carries a real DPoP proof from a new device key.
 */

export const HIRE_STEPS = ['issueCode', 'openSession', 'registrationOptions', 'verifyRegistration', 'complete'] as const;
export type HireStep = (typeof HIRE_STEPS)[number];

export interface StepResult {
  step: HireStep;
  ms: number;
  /** The HTTP status, or 0 when the request itself failed. */
  status: number;
  error?: string;
}

const DEVICE: DeviceSignals = {
  name: 'load-bench-laptop',
  platform: 'linux',
  osVersion: os.release().slice(0, 64),
  appVersion: '0.1.0-bench',
  kind: 'personal',
};

/**
 * node:http with kept-alive connections rather than fetch: the client shares two cores with the
 * server, and the lighter it is the less of its own work lands in the timings.
 */
export class BenchClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  /** Called just before each request is sent and just after its answer is read (the CPU run reads the server's CPU here). */
  probe: ((moment: 'before' | 'after', name: OperationName) => void) | null = null;

  constructor(
    readonly baseUrl: string,
    private readonly adminToken: string,
  ) {}

  close(): void {
    this.agent.destroy();
  }

  /**
   * One call by operation name. Headers (the DPoP proof among them) are made before the clock
   * starts; the span is from the request's start to the whole answer parsed.
   */
  async call(
    name: OperationName,
    opts: { body?: unknown; key?: DpopKey; token?: string; admin?: boolean } = {},
  ): Promise<{ status: number; body: unknown; ms: number }> {
    const { method } = operation(name);
    const url = urlOf(this.baseUrl, name);
    const headers: Record<string, string> = opts.key ? await opts.key.headers(method, url, opts.token) : {};
    if (opts.admin) headers.authorization = `Bearer ${this.adminToken}`;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    this.probe?.('before', name);
    const started = performance.now();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
    const ms = performance.now() - started;
    this.probe?.('after', name);
    const body: unknown = text ? JSON.parse(text) : null;
    return { status, body, ms };
  }

  createUser(username: string): Promise<{ status: number }> {
    return this.call('createUser', { body: { username, displayName: `New Hire ${username}` }, admin: true });
  }

  async issueCode(username: string): Promise<{ code: string; ms: number; status: number }> {
    const reply = await this.call('issueCode', { body: { username }, admin: true });
    if (reply.status !== operation('issueCode').status) throw new StepFailure('issueCode', reply);
    return { code: IssueCodeResponse.parse(reply.body).code, ms: reply.ms, status: reply.status };
  }
}

class StepFailure extends Error {
  constructor(
    readonly step: HireStep,
    readonly reply: { status: number; body: unknown; ms: number },
  ) {
    super(`${step} -> ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}

/**
 * The hire's four calls with a code already issued. Each finished call is passed to `record`; the
 * first failure (an unexpected status or a request that did not complete) is recorded and ends the
 * hire. The device key and authenticator are made before the first call, outside every timed span.
 */
export async function enrol(client: BenchClient, code: string, record: (result: StepResult) => void): Promise<boolean> {
  const key = await DpopKey.create();
  const authenticator = new SoftAuthenticator({ attachment: 'platform' });
  const step = async (name: HireStep & OperationName, opts: Parameters<BenchClient['call']>[1]) => {
    const expected = operation(name).status;
    let reply: Awaited<ReturnType<BenchClient['call']>>;
    try {
      reply = await client.call(name, opts);
    } catch (error) {
      record({ step: name, ms: NaN, status: 0, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    if (reply.status !== expected) {
      record({ step: name, ms: reply.ms, status: reply.status, error: JSON.stringify(reply.body) });
      throw new StepFailure(name, reply);
    }
    record({ step: name, ms: reply.ms, status: reply.status });
    return reply.body;
  };
  try {
    const { token } = CreateSessionResponse.parse(await step('openSession', { key, body: { code, device: DEVICE } }));
    const { options } = RegistrationOptionsResponse.parse(await step('registrationOptions', { key, token, body: { factor: 'passkey' } }));
    const response = authenticator.create(options, { origin: DEMO_ENROLMENT_ORIGIN });
    await step('verifyRegistration', { key, token, body: { factor: 'passkey', response } });
    const completed = CompleteResponse.parse(await step('complete', { key, token, body: {} }));
    if (completed.recoveryCodes?.length !== 10) throw new Error('complete did not issue ten recovery codes');
    return true;
  } catch {
    return false;
  }
}

/** A whole new hire: the code from IT, then the enrolment. */
export async function newHire(client: BenchClient, username: string, record: (result: StepResult) => void): Promise<boolean> {
  let issued: Awaited<ReturnType<BenchClient['issueCode']>>;
  try {
    issued = await client.issueCode(username);
  } catch (error) {
    const reply = error instanceof StepFailure ? error.reply : null;
    record({ step: 'issueCode', ms: reply?.ms ?? NaN, status: reply?.status ?? 0, error: String(error) });
    return false;
  }
  record({ step: 'issueCode', ms: issued.ms, status: issued.status });
  return enrol(client, issued.code, record);
}
