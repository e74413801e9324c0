import { afterEach, describe, expect, it } from 'vitest';
import { SecurityKey } from '../../electron/main/ctap2/index.js';
import { clientPinRequests, ctapCode, failure, FAST, FLAG_UV, opened, plugged, registration, RP_ID } from './support/security-key.js';

// The CTAP2 client and the key's PIN: tokens, wrong tries and blocks, setting and changing it, protocol 1 on a 2.0 key.
/**
 * Issue 11, "the CTAP2 client's unit tests against [our software authenticator] for every command
 * and error path, including fragmented CTAPHID messages, a channel busy, a cancelled request and a
 * key pulled mid-ceremony": SecurityKey over SoftHidBus, the software key written independently
 * of this client (test/support/ctap2/), byte for byte over 64-byte reports.
 */

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((key) => key.close()));
});

describe('the PIN', () => {
  it('wrong PIN costs a retry and says CTAP2_ERR_PIN_INVALID; the right one gives a token that makes a UV credential', async () => {
    const { key, soft } = await plugged({ pin: '1234' });
    expect(await key.pinRetries()).toEqual({ retries: 8, powerCycleRequired: false });
    const wrong = await failure(key.pinToken('9999', { makeCredential: true }, RP_ID));
    expect(wrong).toMatchObject({ code: 'CTAP2_ERR_PIN_INVALID' });
    // What a log would keep of the refusal says which, never what was typed.
    expect(`${String(wrong)} ${(wrong as Error).stack ?? ''}`).not.toContain('9999');
    expect((await key.pinRetries()).retries).toBe(7);
    const pinUvAuth = await key.pinToken('1234', { makeCredential: true }, RP_ID);
    expect(pinUvAuth.protocol).toBe(2);
    expect(soft.pinRetriesLeft()).toBe(8);
    const result = await key.makeCredential(registration({ pinUvAuth }));
    expect((result.authData[32] ?? 0) & FLAG_UV).toBe(FLAG_UV);
  });

  it('asks a CTAP 2.1 key for a token with permissions for our RP (subcommand 0x09)', async () => {
    const { key, soft } = await plugged({ pin: '1234' });
    await key.pinToken('1234', { makeCredential: true, getAssertion: true }, RP_ID);
    const request = clientPinRequests(soft).find((r) => r.get(0x02) === 0x09);
    expect(request?.get(0x01)).toBe(2);
    expect(request?.get(0x09)).toBe(0x03);
    expect(request?.get(0x0a)).toBe(RP_ID);
  });

  it('after three wrong PINs in a row says CTAP2_ERR_PIN_AUTH_BLOCKED, even to the right PIN, until the key is replugged', async () => {
    const { bus, soft, key } = await plugged({ pin: '1234' });
    const codes = [];
    for (let i = 0; i < 3; i += 1) codes.push(await ctapCode(key.pinToken('0000', { makeCredential: true }, RP_ID)));
    expect(codes).toEqual(['CTAP2_ERR_PIN_INVALID', 'CTAP2_ERR_PIN_INVALID', 'CTAP2_ERR_PIN_AUTH_BLOCKED']);
    expect(await ctapCode(key.pinToken('1234', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(await key.pinRetries()).toEqual({ retries: 5, powerCycleRequired: true });

    const again = await SecurityKey.open(bus, soft.replug(), FAST);
    opened.push(again);
    await expect(again.pinToken('1234', { makeCredential: true }, RP_ID)).resolves.toMatchObject({ protocol: 2 });
  });

  it('says CTAP2_ERR_PIN_BLOCKED when the last try is used, and keeps saying it to the right PIN', async () => {
    const { key } = await plugged({ pin: '1234', retries: 1 });
    expect(await ctapCode(key.pinToken('0000', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect(await ctapCode(key.pinToken('1234', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect((await key.pinRetries()).retries).toBe(0);
  });

  it('sets a PIN on a key without one; the key then has one and it opens the key', async () => {
    const { key, soft } = await plugged({ minPinLength: 6 });
    expect(await ctapCode(key.pinToken('123456', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_NOT_SET');
    await key.setPin('123456');
    expect(soft.hasPin()).toBe(true);
    expect((await key.getInfo()).options['clientPin']).toBe(true);
    await expect(key.pinToken('123456', { makeCredential: true }, RP_ID)).resolves.toMatchObject({ protocol: 2 });
  });

  it('changes the PIN: the new one opens the key, the old one no longer does, a wrong current PIN costs a retry', async () => {
    const { key, soft } = await plugged({ pin: '1234' });
    expect(await ctapCode(key.changePin('0000', '567890'))).toBe('CTAP2_ERR_PIN_INVALID');
    expect(soft.pinRetriesLeft()).toBe(7);
    await key.changePin('1234', '567890');
    await expect(key.pinToken('567890', { makeCredential: true }, RP_ID)).resolves.toMatchObject({ protocol: 2 });
    expect(await ctapCode(key.pinToken('1234', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_INVALID');
    expect((await key.getInfo()).forcePinChange).toBe(false);
  });

  it('refuses a PIN shorter than the key minimum before the key sees it', async () => {
    const { key, soft } = await plugged({ minPinLength: 6 });
    await key.getInfo();
    const before = soft.frames().length;
    expect(await ctapCode(key.setPin('12345'))).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(soft.frames()).toHaveLength(before);
    expect(soft.hasPin()).toBe(false);
  });

  it('speaks protocol 1 and getPinToken (0x05) to an older CTAP 2.0 key', async () => {
    const { key, soft } = await plugged({ pin: '1234', versions: ['FIDO_2_0'] });
    expect((await key.getInfo()).pinUvAuthProtocols).toEqual([1]);
    const pinUvAuth = await key.pinToken('1234', { makeCredential: true }, RP_ID);
    expect(pinUvAuth.protocol).toBe(1);
    const sent = clientPinRequests(soft).filter((r) => r.get(0x02) === 0x05);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.get(0x01)).toBe(1);
    const result = await key.makeCredential(registration({ pinUvAuth }));
    expect((result.authData[32] ?? 0) & FLAG_UV).toBe(FLAG_UV);
  });

  it('zeroes the tokens it handed out when the key is closed', async () => {
    const { key } = await plugged({ pin: '1234' });
    const { token } = await key.pinToken('1234', { makeCredential: true }, RP_ID);
    expect(token.some((b) => b !== 0)).toBe(true);
    await key.close();
    expect(token.every((b) => b === 0)).toBe(true);
  });
});
