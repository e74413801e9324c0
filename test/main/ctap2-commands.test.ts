/**
 * Issue 11, "implement authenticatorGetInfo, authenticatorMakeCredential, authenticatorGetAssertion
 * ... Build the CTAP2 client yourselves on the specs": the command bytes against the CTAP
 * specification's example, and the answers of keys older or stranger than our software key.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeCbor, type CborKey, type CborValue } from '../../electron/main/ctap2/cbor.js';
import { getAssertionCommand, parseGetAssertion, parseInfo, responseMap } from '../../electron/main/ctap2/commands.js';
import { Ctap2Error, CtapResponseError } from '../../electron/main/ctap2/errors.js';

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'));
const spec = JSON.parse(readFileSync(new URL('../fixtures/ctap2/ctap-spec-examples.json', import.meta.url), 'utf8')) as {
  getAssertion: { command: string; hex: string; rpId: string; clientDataHash: string; allowList: string[] };
};

const map = (entries: [CborKey, CborValue][]): Map<CborKey, CborValue> => new Map(entries);

describe('authenticatorGetAssertion', () => {
  it('is encoded exactly as the CTAP specification example', () => {
    const example = spec.getAssertion;
    const bytes = getAssertionCommand(
      {
        rpId: example.rpId,
        clientDataHash: hex(example.clientDataHash),
        allowList: example.allowList.map((id) => ({ type: 'public-key' as const, id: hex(id), transports: ['usb'] })),
        options: { uv: true },
      },
      null,
    );
    // transports stay out of the descriptors: the example, like many keys, knows only type and id.
    expect(Buffer.from(bytes).toString('hex')).toBe(example.command + example.hex);
  });

  it('takes the credential from a one-entry allow list when the key leaves it out (CTAP 2.1 §6.2.2)', () => {
    const only = { type: 'public-key' as const, id: Uint8Array.of(7, 7) };
    const answer = map([
      [2, new Uint8Array(37)],
      [3, Uint8Array.of(0x30)],
    ]);
    expect(parseGetAssertion(answer, [only]).credentialId).toEqual(only.id);
    expect(() => parseGetAssertion(answer, [])).toThrow(CtapResponseError);
  });
});

describe('authenticatorGetInfo', () => {
  it('reads an older key that names no PIN protocol and no minimum as protocol 1 and four characters', () => {
    const info = parseInfo(
      map([
        [1, ['U2F_V2', 'FIDO_2_0']],
        [3, new Uint8Array(16)],
        [
          4,
          map([
            ['clientPin', true],
            ['rk', true],
          ]),
        ],
      ]),
    );
    expect(info).toMatchObject({
      versions: ['U2F_V2', 'FIDO_2_0'],
      pinUvAuthProtocols: [1],
      minPinLength: 4,
      extensions: [],
      transports: [],
      forcePinChange: false,
    });
    expect(info.options).toEqual({ clientPin: true, rk: true });
  });

  it('reads forcePINChange, which makes the key refuse tokens until the PIN is changed', () => {
    const info = parseInfo(
      map([
        [1, ['FIDO_2_1']],
        [3, new Uint8Array(16)],
        [0x0c, true],
      ]),
    );
    expect(info.forcePinChange).toBe(true);
  });

  it('refuses an answer without the fields every key must send', () => {
    expect(() => parseInfo(map([[1, ['FIDO_2_1']]]))).toThrow(/aaguid/);
    expect(() => parseInfo(map([[3, new Uint8Array(16)]]))).toThrow(/versions/);
  });
});

describe('the status byte', () => {
  it('turns a non-zero status into the named Ctap2Error, and refuses CBOR a key should not send', () => {
    const error = (() => {
      try {
        responseMap(Uint8Array.of(0x34));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(Ctap2Error);
    expect((error as Ctap2Error).code).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(responseMap(Uint8Array.of(0x00))).toEqual(new Map());
    expect(() => responseMap(Uint8Array.of(0x00, 0xa2, 0x02, 0x01, 0x01, 0x01))).toThrow(CtapResponseError);
    expect(responseMap(Uint8Array.of(0x00, ...encodeCbor(map([[1, 1]])))).get(1)).toBe(1);
  });
});
