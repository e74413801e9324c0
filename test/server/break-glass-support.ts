import { createHash, createPrivateKey, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { CreationOptionsJSON, RegistrationResponseJSON } from '../../api/webauthn.js';
import { parseMetadataBlob } from '../../server/attestation/mds-blob.js';
import { sessionReference } from '../../server/break-glass/session-reference.js';
import { createAttestationJudge } from '../../server/attestation/trust.js';
import type { AttestationJudge } from '../../server/policy/evaluate.js';
import { Api, type Device, expectAnswer, expectStatus } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentAccount, consoleHeader, consoleSignIn, type Agent } from '../support/operators.js';
import { createMdsWorld, TEST_NOW, type MdsWorld } from '../support/make-mds-blob.js';
import { confirmed, openAt, registeredStation } from './kiosk-support.js';
import { SoftAuthenticator, type CreateInput } from '../support/soft-authenticator.js';

/** What the break-glass tests share: trusted hardware keys, and a ceremony opened, supervised and labelled over the real API. */

type CborValue = Parameters<typeof isoCBOR.encode>[0];

/**
 * A hardware key of a model the operator's metadata lists: packed attestation whose x5c chains
 * (attestation certificate, batch intermediate) to the model's root in a signed metadata BLOB.
 */
export class TrustedKey extends SoftAuthenticator {
  constructor(private readonly world: MdsWorld) {
    super({ attachment: 'cross-platform', attestation: 'packed', userVerified: true, signCount: 1, aaguid: world.model.aaguid });
  }

  override create(options: CreationOptionsJSON, input: CreateInput): RegistrationResponseJSON {
    const response = super.create(options, input);
    const object = isoCBOR.decodeFirst<Map<string, CborValue>>(
      new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url')),
    );
    const authData = object.get('authData') as Uint8Array;
    const clientDataHash = createHash('sha256').update(Buffer.from(response.response.clientDataJSON, 'base64url')).digest();
    const sig = sign('sha256', Buffer.concat([authData, clientDataHash]), createPrivateKey(this.world.model.attestation.keyPem));
    object.set(
      'attStmt',
      new Map<string, CborValue>([
        ['alg', -7],
        ['sig', new Uint8Array(sig)],
        ['x5c', this.world.model.x5c],
      ]),
    );
    return {
      ...response,
      response: { ...response.response, attestationObject: Buffer.from(isoCBOR.encode(object)).toString('base64url') },
    };
  }
}

export interface Key {
  id: string;
  key: SoftAuthenticator;
}

/**
 * For a test file: the metadata world (made once), a server per test that judges attestation against it
 * (`start`), and the steps of a ceremony. Registers its own hooks.
 */
export function breakGlassBench() {
  let world: MdsWorld;
  let judge: AttestationJudge;
  beforeAll(async () => {
    world = createMdsWorld();
    const catalogue = await parseMetadataBlob(await world.makeBlob(), { root: world.fidoRoot.pem, now: TEST_NOW });
    judge = createAttestationJudge({ catalogue: () => catalogue, clock: { now: () => TEST_NOW } });
  }, 60_000);
  afterAll(() => {
    world.cleanup();
  });
  const trustedKey = () => new TrustedKey(world);

  let api: Api;
  afterEach(async () => {
    await api.close();
  });

  /** The server judging attestation against the test metadata: only keys chaining to a listed root are trusted. */
  async function start(config: Parameters<typeof Api.start>[0] = {}): Promise<Api> {
    api = await Api.start(config, { attestation: judge });
    return api;
  }

  let accounts = 0;
  /** A break-glass account created through the admin API, its enrolment session open on `device`. */
  async function openCeremony(): Promise<{ username: string; device: Device; token: string }> {
    const username = `emergency-${++accounts}`;
    const body = { username, displayName: 'Emergency access', email: 'security@corp.example', role: 'admin', accountKind: 'break-glass' };
    expect(expectAnswer('createUser', await api.admin('createUser', { body })).accountKind).toBe('break-glass');
    const device = await api.device();
    const token = await device.openEnrolment(await api.enrolmentCode(username));
    return { username, device, token };
  }

  /** A custodian: an operator account with the admin role, signed in to the console with their own key just now. */
  async function custodian(): Promise<{ agent: Agent; console: string }> {
    const agent = await agentAccount(api, 'admin');
    return { agent, console: (await consoleSignIn(api, agent)).token };
  }

  /** The account's ceremony as a custodian's console reads it. */
  const ceremony = async (username: string, headers: Record<string, string>) =>
    expectAnswer('breakGlassCeremony', await send(api.server.url, 'breakGlassCeremony', { params: { username }, headers }));

  /**
   * A custodian confirms the session whose reference the key holder read out (by default the one the
   * console shows: its reference as the key holder's app shows it).
   */
  const supervise = async (username: string, headers: Record<string, string>, reference?: string) =>
    send(api.server.url, 'superviseBreakGlass', {
      params: { username },
      headers,
      body: { reference: reference ?? (await shownReference(username, headers)) },
    });

  /** The reference of the session the console shows, or one no session has when it shows none (or cannot read the account). */
  const shownReference = async (username: string, headers: Record<string, string>) => {
    const reply = await send(api.server.url, 'breakGlassCeremony', { params: { username }, headers });
    const id = reply.status === 200 ? expectAnswer('breakGlassCeremony', reply).session?.id : undefined;
    return id ? sessionReference(id) : 'ZZZZ-ZZZZ';
  };

  async function labelled(username: string, device: Device, token: string, custodianName: string, location: string) {
    const key = trustedKey();
    const id = await device.register(token, 'security-key', key);
    const reply = await api.admin('labelBreakGlassKey', { params: { username, id }, body: { custodian: custodianName, location } });
    expect(expectAnswer('labelBreakGlassKey', reply)).toMatchObject({ factorId: id, custodian: custodianName, location });
    return { id, key };
  }

  /**
   * A break-glass account created through the admin API and its session opened at a registered kiosk
   * station, after an operator (HR role admin, console role `operatorRole`, a trusted key in hand)
   * confirmed it there.
   */
  async function kioskCeremony(username: string, operatorRole: 'admin' | 'helpdesk') {
    const body = { username, displayName: 'Emergency access', role: 'admin', accountKind: 'break-glass' };
    expectStatus(await api.admin('createUser', { body }), 201);
    const { station } = await registeredStation(api);
    // The operator is an admin by HR role: their own key must be trusted hardware too.
    const key = trustedKey();
    const { username: operatorName, credentialId } = await api.enrolled(await api.device(), key, 'security-key', { role: 'admin' });
    // A kiosk operator holds a console role as well as the HR role (server/kiosk/operator-step.ts).
    expectStatus(await api.admin('grantOperatorRole', { params: { username: operatorName }, body: { role: operatorRole } }), 200);
    const confirmation = await confirmed(station, { username: operatorName, key }, username);
    const opened = expectAnswer('openSession', await openAt(station, await api.enrolmentCode(username), confirmation.id));
    return { station, token: opened.token, operator: { username: operatorName, key, credentialId } };
  }

  /** A break-glass account enrolled with two labelled keys under two custodians. */
  async function enrolledBreakGlass(): Promise<{ username: string; keys: [Key, Key] }> {
    const { username, device, token } = await openCeremony();
    for (const c of [await custodian(), await custodian()]) expectStatus(await supervise(username, consoleHeader(c.console)), 200);
    const keys: [Key, Key] = [
      await labelled(username, device, token, 'CISO J. Doe', 'Safe A, Berlin'),
      await labelled(username, device, token, 'CTO M. Roe', 'Safe B, Paris'),
    ];
    const done = await device.complete(token);
    expect(done.recoveryCodes).toBeUndefined();
    return { username, keys };
  }

  return { start, trustedKey, openCeremony, custodian, ceremony, supervise, labelled, kioskCeremony, enrolledBreakGlass };
}
