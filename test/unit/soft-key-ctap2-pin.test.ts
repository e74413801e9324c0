import { afterEach, describe, expect, it } from 'vitest';
import { ClientPinSubcommand, CtapCommand, Permission, statusName } from '../support/ctap2/index.js';
import type { CborValue } from '../support/ctap2/cbor.js';
import { pinProtocol } from '../support/ctap2/pin-protocol.js';
import {
  askToken,
  bytes,
  CDH,
  expectStatus,
  hosts,
  keys,
  makeCredential,
  padded,
  parseAuthData,
  pinSession,
  replugged,
  retries,
  rig,
  RP,
  setPin,
  sha256,
  token,
  UV,
} from './soft-key-ctap2-support.js';

// The soft key's clientPIN with hand-built frames: protocols and tokens, retries and blocked states, setting and changing the PIN.
/**
 * Issue 11, "a software CTAP2 authenticator ... with a PIN, retries, a blocked state, UV, an exclude
 * list, keepalive while waiting for a touch, and attestation": every command driven with hand-built
 * CTAPHID frames and CBOR, the PIN protocols played by this file as the platform's half.
 */

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close().catch(() => undefined);
  // Every refusal above is a status the specification names, never the key's own error.
  for (const key of keys.splice(0)) expect(key.faults()).toEqual([]);
});

describe('PIN/UV auth protocols and tokens', () => {
  for (const version of [2, 1] as const) {
    it(`protocol ${version}: the PIN gives a token whose pinUvAuthParam makes a user-verified credential; a forged one is refused`, async () => {
      const r = await rig({ pin: '1234', attestation: 'none' });
      const t = await token(r, '1234', { version });
      expect(t).toHaveLength(32);
      const param = pinProtocol(version).authenticate(t, CDH);
      expect(param).toHaveLength(version === 1 ? 16 : 32);
      const made = await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ rk: true, pinUvAuthParam: param, protocol: version }),
      );
      expectStatus(made, 'CTAP2_OK');
      expect(parseAuthData(bytes(made.body, 2)).flags & UV).toBe(UV);
      const forged = Uint8Array.from(param, (b, i) => (i === 0 ? b ^ 1 : b));
      expectStatus(
        await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ pinUvAuthParam: forged, protocol: version })),
        'CTAP2_ERR_PIN_AUTH_INVALID',
      );
    });
  }

  it('the legacy getPinToken (2.0 keys) carries makeCredential and getAssertion', async () => {
    const r = await rig({ pin: '1234', versions: ['FIDO_2_0'], attestation: 'none' });
    const t = await token(r, '1234', { version: 1, legacy: true });
    const made = await r.host.cbor(
      r.cid,
      CtapCommand.makeCredential,
      makeCredential({ pinUvAuthParam: pinProtocol(1).authenticate(t, CDH), protocol: 1 }),
    );
    expectStatus(made, 'CTAP2_OK');
    // A 2.0 key knows neither the permissions subcommand nor protocol 2.
    expect(statusName((await askToken(r, '1234', { version: 1 })).status)).toBe('CTAP2_ERR_INVALID_SUBCOMMAND');
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.clientPIN,
        new Map([
          [1, 2],
          [2, 2],
        ]),
      ),
      'CTAP1_ERR_INVALID_PARAMETER',
    );
  });

  it("a token keeps to its permissions and its RP: getAssertion-only cannot make credentials, one RP's cannot serve another", async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const gaOnly = await token(r, '1234', { permissions: Permission.ga });
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ pinUvAuthParam: pinProtocol(2).authenticate(gaOnly, CDH), protocol: 2 }),
      ),
      'CTAP2_ERR_PIN_AUTH_INVALID',
    );
    const elsewhere = await token(r, '1234', { rpId: 'other.test' });
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ pinUvAuthParam: pinProtocol(2).authenticate(elsewhere, CDH), protocol: 2 }),
      ),
      'CTAP2_ERR_PIN_AUTH_INVALID',
    );
    expect(statusName((await askToken(r, '1234', { permissions: Permission.cm })).status)).toBe('CTAP2_ERR_UNAUTHORIZED_PERMISSION');
  });

  it('a new token replaces the old one', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const first = await token(r, '1234');
    await token(r, '1234');
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ pinUvAuthParam: pinProtocol(2).authenticate(first, CDH), protocol: 2 }),
      ),
      'CTAP2_ERR_PIN_AUTH_INVALID',
    );
  });

  it('with a PIN set: a discoverable credential needs the token (PUAT_REQUIRED); a 2.1 key makes a non-discoverable one without UV (makeCredUvNotRqd), a 2.0 key does not', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ rk: true })), 'CTAP2_ERR_PUAT_REQUIRED');
    const plain = await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential());
    expectStatus(plain, 'CTAP2_OK');
    expect(parseAuthData(bytes(plain.body, 2)).flags & UV).toBe(0);
    const old = await rig({ pin: '1234', versions: ['FIDO_2_0'], attestation: 'none' });
    expectStatus(await old.host.cbor(old.cid, CtapCommand.makeCredential, makeCredential()), 'CTAP2_ERR_PUAT_REQUIRED');
  });

  it('the touch probe (a zero-length pinUvAuthParam) waits for a touch, then says PIN_INVALID when a PIN is set and PIN_NOT_SET when not', async () => {
    const withPin = await rig({ pin: '1234', touch: 'manual', attestation: 'none' });
    await withPin.host.sendCbor(
      withPin.cid,
      CtapCommand.makeCredential,
      makeCredential({ pinUvAuthParam: new Uint8Array(0), protocol: 1 }),
    );
    await withPin.key.untilTouchNeeded();
    withPin.key.touch();
    expectStatus(await withPin.host.cborAnswer(withPin.cid), 'CTAP2_ERR_PIN_INVALID');
    const without = await rig({ attestation: 'none' });
    expectStatus(
      await without.host.cbor(without.cid, CtapCommand.makeCredential, makeCredential({ pinUvAuthParam: new Uint8Array(0), protocol: 1 })),
      'CTAP2_ERR_PIN_NOT_SET',
    );
    expect(withPin.key.pinRetriesLeft()).toBe(8);
  });
});

describe('PIN retries and blocked states', () => {
  it('a wrong PIN costs a try and says PIN_INVALID; the right one restores all 8', async () => {
    const r = await rig({ pin: 'correct horse', attestation: 'none' });
    expect(statusName((await askToken(r, 'wrong')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(await retries(r)).toEqual({ retries: 7, powerCycle: false });
    expect(r.key.pinRetriesLeft()).toBe(7);
    await token(r, 'correct horse');
    expect(r.key.pinRetriesLeft()).toBe(8);
  });

  it('a wrong PIN regenerates the key agreement key, so a platform must fetch it again', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const first = await pinSession(r, 2);
    const { protocol, keyAgreement, shared } = first;
    const wrong = protocol.encrypt(shared, sha256('9999').slice(0, 16));
    const ask = (pinHashEnc: Uint8Array) =>
      r.host.cbor(
        r.cid,
        CtapCommand.clientPIN,
        new Map<number, CborValue>([
          [1, 2],
          [2, 9],
          [3, keyAgreement],
          [6, pinHashEnc],
          [9, 3],
          [10, RP],
        ]),
      );
    expectStatus(await ask(wrong), 'CTAP2_ERR_PIN_INVALID');
    // The right PIN under the old shared secret decrypts to garbage on the key's side: a mismatch.
    expectStatus(await ask(protocol.encrypt(shared, sha256('1234').slice(0, 16))), 'CTAP2_ERR_PIN_INVALID');
  });

  it('three wrong in a row give PIN_AUTH_BLOCKED, which even the right PIN meets until the key is unplugged and plugged back', async () => {
    let r = await rig({ pin: '1234', attestation: 'none' });
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(await retries(r)).toEqual({ retries: 5, powerCycle: true });
    r = await replugged(r);
    expect(await retries(r)).toEqual({ retries: 5, powerCycle: false });
    await token(r, '1234');
    expect(r.key.pinRetriesLeft()).toBe(8);
  });

  it('at zero tries the PIN is blocked for good: PIN_BLOCKED, even for the right PIN, even after a power cycle', async () => {
    let r = await rig({ pin: '1234', retries: 2, attestation: 'none' });
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_BLOCKED');
    r = await replugged(r);
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect(r.key.pinRetriesLeft()).toBe(0);
  });

  it('asking for a token on a key without a PIN says PIN_NOT_SET', async () => {
    const r = await rig({ attestation: 'none' });
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_NOT_SET');
  });
});

describe('setting and changing the PIN', () => {
  for (const version of [2, 1] as const) {
    it(`protocol ${version}: setPIN on a key without one; getInfo then says clientPin true and the PIN gives a token`, async () => {
      const r = await rig({ attestation: 'none' });
      expectStatus(await setPin(r, '2468', version), 'CTAP2_OK');
      expect(r.key.hasPin()).toBe(true);
      expect(((await r.host.cbor(r.cid, CtapCommand.getInfo)).body?.get(4) as Map<string, boolean>).get('clientPin')).toBe(true);
      await token(r, '2468', { version });
    });
  }

  it('refuses a PIN shorter than minPINLength in code points (not bytes), one over 63 bytes, and a second setPIN', async () => {
    const r = await rig({ attestation: 'none', minPinLength: 6 });
    // Five code points, ten UTF-8 bytes: too short although long in bytes.
    expectStatus(await setPin(r, 'ääääa'), 'CTAP2_ERR_PIN_POLICY_VIOLATION');
    expectStatus(await setPin(r, new Uint8Array(64).fill(0x61)), 'CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(r.key.hasPin()).toBe(false);
    expectStatus(await setPin(r, 'ääääää'), 'CTAP2_OK');
    await token(r, 'ääääää');
    expectStatus(await setPin(r, '13579'), 'CTAP2_ERR_PIN_AUTH_INVALID');
  });

  it('a setPIN whose pinUvAuthParam does not match newPinEnc is refused', async () => {
    const r = await rig({ attestation: 'none' });
    const { protocol, keyAgreement, shared } = await pinSession(r, 2);
    const newPinEnc = protocol.encrypt(shared, padded('2468'));
    const answer = await r.host.cbor(
      r.cid,
      CtapCommand.clientPIN,
      new Map<number, CborValue>([
        [1, 2],
        [2, 3],
        [3, keyAgreement],
        [4, protocol.authenticate(shared, padded('other'))],
        [5, newPinEnc],
      ]),
    );
    expectStatus(answer, 'CTAP2_ERR_PIN_AUTH_INVALID');
    expect(r.key.hasPin()).toBe(false);
  });

  it('changePIN with the current PIN sets the new one', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const { protocol, keyAgreement, shared } = await pinSession(r, 2);
    const newPinEnc = protocol.encrypt(shared, padded('5678'));
    const pinHashEnc = protocol.encrypt(shared, sha256('1234').slice(0, 16));
    const message = new Uint8Array([...newPinEnc, ...pinHashEnc]);
    const answer = await r.host.cbor(
      r.cid,
      CtapCommand.clientPIN,
      new Map<number, CborValue>([
        [1, 2],
        [2, ClientPinSubcommand.changePIN],
        [3, keyAgreement],
        [4, protocol.authenticate(shared, message)],
        [5, newPinEnc],
        [6, pinHashEnc],
      ]),
    );
    expectStatus(answer, 'CTAP2_OK');
    await token(r, '5678');
  });
});
