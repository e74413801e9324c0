import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { encodeCanonical, type CborValue } from './cbor.js';
import { Permission } from './constants.js';
import type { CommandContext } from './ctaphid-device.js';
import type { KeyCore, StoredCredential } from './authenticator.js';
import {
  booleanOptions,
  concat,
  coseEs256,
  descriptorIds,
  ES256,
  fail,
  FLAG_AT,
  FLAG_UP,
  FLAG_UV,
  isArray,
  isBytes,
  isInt,
  isMap,
  isText,
  optional,
  required,
  sameBytes,
  sha256,
  u32,
  type Params,
} from './params.js';

/** authenticatorMakeCredential (CTAP 2.1 section 6.1): parameters in the specification's order, the exclude list after a touch, packed or no attestation. */

export async function makeCredential(key: KeyCore, params: Params, context: CommandContext): Promise<Map<number, CborValue>> {
  const pinUvAuthParam = optional(params, 0x08, isBytes);
  if (pinUvAuthParam?.length === 0 && key.pinCapable()) return key.touchProbe(context);
  if (pinUvAuthParam) key.clientPin.protocolOf(params, 0x09);

  const clientDataHash = required(params, 0x01, isBytes);
  const rp = required(params, 0x02, isMap);
  const user = required(params, 0x03, isMap);
  const algorithms = required(params, 0x04, isArray);
  const excludeIds = descriptorIds(optional(params, 0x05, isArray));
  optional(params, 0x06, isMap); // extensions: none supported, unknown ones are ignored
  const options = booleanOptions(params, 0x07);
  const rpId = required(rp, 'id', isText);
  optional(rp, 'name', isText);
  const userId = required(user, 'id', isBytes);
  if (userId.length > 64) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  const userName = optional(user, 'name', isText) ?? null;
  optional(user, 'displayName', isText);

  const es256 = algorithms.some((p) => {
    if (!isMap(p)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    return required(p, 'type', isText) === 'public-key' && required(p, 'alg', isInt) === ES256;
  });
  if (!es256) fail('CTAP2_ERR_UNSUPPORTED_ALGORITHM');

  if (options.get('up') === false) fail('CTAP2_ERR_INVALID_OPTION');
  const discoverable = options.get('rk') === true;
  let uv = false;
  if (pinUvAuthParam) {
    key.clientPin.checkPinUvAuth(params, 0x08, 0x09, clientDataHash, Permission.mc, rpId);
    uv = true;
  } else if (options.get('uv') === true) {
    if (key.config.uv !== 'builtin') fail(key.is21() ? 'CTAP2_ERR_INVALID_OPTION' : 'CTAP2_ERR_UNSUPPORTED_OPTION');
    uv = true; // the built-in sensor is read with the touch below
  } else if (key.protectedByUv() && (discoverable || !key.is21())) {
    // makeCredUvNotRqd (2.1 keys) spares non-discoverable credentials; a 2.0 key with a PIN always wants it.
    fail('CTAP2_ERR_PUAT_REQUIRED');
  }

  const excluded = excludeIds.some((id) => key.stored.some((c) => c.rpId === rpId && sameBytes(c.id, id)));
  await key.presence.touch(context);
  if (excluded) fail('CTAP2_ERR_CREDENTIAL_EXCLUDED');

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credential: StoredCredential = {
    id: new Uint8Array(randomBytes(32)),
    rpId,
    userId,
    userName,
    discoverable,
    privateKey,
    publicKey,
  };
  // A discoverable credential replaces the one the same user already had at this RP.
  const replaced = key.stored.findIndex((c) => c.discoverable && discoverable && c.rpId === rpId && sameBytes(c.userId, userId));
  if (replaced >= 0) key.stored.splice(replaced, 1);
  key.stored.push(credential);

  const attested = concat(
    key.config.aaguid,
    Uint8Array.of(credential.id.length >> 8, credential.id.length & 0xff),
    credential.id,
    encodeCanonical(coseEs256(publicKey)),
  );
  const authData = concat(sha256(rpId), Uint8Array.of(FLAG_UP | (uv ? FLAG_UV : 0) | FLAG_AT), u32(key.nextSignCount()), attested);
  const att = key.config.attestation;
  const attStmt =
    att.fmt === 'packed'
      ? new Map<string, CborValue>([
          ['alg', ES256],
          ['sig', new Uint8Array(sign('sha256', concat(authData, clientDataHash), att.privateKey))],
          ['x5c', [att.certificate]],
        ])
      : new Map<string, CborValue>();
  return new Map<number, CborValue>([
    [0x01, att.fmt],
    [0x02, authData],
    [0x03, attStmt],
  ]);
}
