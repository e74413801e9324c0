import { sign } from 'node:crypto';
import type { CborValue } from './cbor.js';
import { Permission } from './constants.js';
import type { CommandContext } from './ctaphid-device.js';
import type { KeyCore } from './authenticator.js';
import {
  booleanOptions,
  concat,
  descriptorIds,
  fail,
  FLAG_UP,
  FLAG_UV,
  isArray,
  isBytes,
  isMap,
  isText,
  optional,
  required,
  sameBytes,
  sha256,
  u32,
  type Params,
} from './params.js';

/** authenticatorGetAssertion (CTAP 2.1 section 6.2): an allow list or the discoverable credentials, a touch unless up=false. */

export async function getAssertion(key: KeyCore, params: Params, context: CommandContext): Promise<Map<number, CborValue>> {
  const pinUvAuthParam = optional(params, 0x06, isBytes);
  if (pinUvAuthParam?.length === 0 && key.pinCapable()) return key.touchProbe(context);
  if (pinUvAuthParam) key.clientPin.protocolOf(params, 0x07);

  const rpId = required(params, 0x01, isText);
  const clientDataHash = required(params, 0x02, isBytes);
  const allowIds = descriptorIds(optional(params, 0x03, isArray));
  optional(params, 0x04, isMap);
  const options = booleanOptions(params, 0x05);

  let uv = false;
  if (pinUvAuthParam) {
    key.clientPin.checkPinUvAuth(params, 0x06, 0x07, clientDataHash, Permission.ga, rpId);
    uv = true;
  } else if (options.get('uv') === true) {
    if (key.config.uv !== 'builtin') fail(key.is21() ? 'CTAP2_ERR_INVALID_OPTION' : 'CTAP2_ERR_UNSUPPORTED_OPTION');
    uv = true;
  }
  if (options.has('rk')) fail('CTAP2_ERR_UNSUPPORTED_OPTION');

  const candidates =
    allowIds.length > 0
      ? key.stored.filter((c) => c.rpId === rpId && allowIds.some((id) => sameBytes(id, c.id)))
      : key.stored.filter((c) => c.rpId === rpId && c.discoverable).reverse();
  const credential = candidates[0];
  if (!credential) fail('CTAP2_ERR_NO_CREDENTIALS');

  const up = options.get('up') !== false;
  if (up || uv) await key.presence.touch(context);

  const authData = concat(sha256(rpId), Uint8Array.of((up ? FLAG_UP : 0) | (uv ? FLAG_UV : 0)), u32(key.nextSignCount()));
  const answer = new Map<number, CborValue>([
    [
      0x01,
      new Map<string, CborValue>([
        ['id', credential.id],
        ['type', 'public-key'],
      ]),
    ],
    [0x02, authData],
    [0x03, new Uint8Array(sign('sha256', concat(authData, clientDataHash), credential.privateKey))],
  ]);
  if (credential.discoverable) answer.set(0x04, new Map<string, CborValue>([['id', credential.userId]]));
  if (allowIds.length === 0 && candidates.length > 1) answer.set(0x05, candidates.length);
  return answer;
}
