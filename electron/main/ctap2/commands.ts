/**
 * The CTAP2 commands we send (CTAP 2.1 §6) as bytes, and the key's answers read back into our
 * types. No I/O here: security-key.ts sends what these build.
 */
import {
  asArray,
  asBoolean,
  asBytes,
  asInteger,
  asMap,
  asText,
  asTextArray,
  CborError,
  decodeCbor,
  encodeCbor,
  type CborKey,
  type CborMap,
  type CborValue,
} from './cbor.js';
import { Ctap2Error, CtapResponseError } from './errors.js';
import type {
  AuthenticatorInfo,
  CredentialDescriptor,
  GetAssertionRequest,
  GetAssertionResult,
  MakeCredentialRequest,
  MakeCredentialResult,
  PinProtocol,
} from './types.js';

export const COMMAND = {
  MAKE_CREDENTIAL: 0x01,
  GET_ASSERTION: 0x02,
  GET_INFO: 0x04,
  CLIENT_PIN: 0x06,
  SELECTION: 0x0b,
} as const;

export const CLIENT_PIN = {
  GET_RETRIES: 0x01,
  GET_KEY_AGREEMENT: 0x02,
  SET_PIN: 0x03,
  CHANGE_PIN: 0x04,
  GET_PIN_TOKEN: 0x05,
  GET_TOKEN_USING_PIN_WITH_PERMISSIONS: 0x09,
} as const;

/** pinUvAuthToken permissions (§6.5.5.7). */
export const PERMISSION = { MAKE_CREDENTIAL: 0x01, GET_ASSERTION: 0x02 } as const;

/** The command byte followed by its parameters; a command without parameters is the byte alone. */
export function command(code: number, parameters?: Map<CborKey, CborValue>): Uint8Array {
  if (parameters === undefined) return Uint8Array.of(code);
  const body = encodeCbor(parameters);
  const out = new Uint8Array(1 + body.length);
  out[0] = code;
  out.set(body, 1);
  return out;
}

/** The key's answer: status 0 and a CBOR map (or nothing), else the status as a Ctap2Error. */
export function responseMap(answer: Uint8Array): CborMap {
  const status = answer[0];
  if (status === undefined) throw new CtapResponseError('empty CTAP2 response');
  if (status !== 0) throw new Ctap2Error(status);
  if (answer.length === 1) return new Map();
  try {
    return asMap(decodeCbor(answer.subarray(1)), 'response');
  } catch (cause) {
    if (cause instanceof CborError)
      throw new CtapResponseError(`the key's answer is not canonical CTAP2 CBOR: ${cause.message}`, { cause });
    throw cause;
  }
}

/** Reads a field; a CborError names the field, and becomes a CtapResponseError at this boundary. */
function field<T>(read: () => T): T {
  try {
    return read();
  } catch (cause) {
    if (cause instanceof CborError) throw new CtapResponseError(cause.message, { cause });
    throw cause;
  }
}

// ---- authenticatorGetInfo (0x04) ----------------------------------------------------------------

export function parseInfo(map: CborMap): AuthenticatorInfo {
  return field(() => {
    const optionsMap = map.has(0x04) ? asMap(map.get(0x04), 'options') : new Map<CborKey, CborValue>();
    const options: Record<string, boolean> = {};
    for (const [key, value] of optionsMap) options[asText(key, 'option name')] = asBoolean(value, `option ${String(key)}`);
    const protocols = map.has(0x06)
      ? asArray(map.get(0x06), 'pinUvAuthProtocols')
          .map((p, i) => asInteger(p, `pinUvAuthProtocols[${i}]`))
          .filter((p): p is PinProtocol => p === 1 || p === 2)
      : [];
    const aaguid = asBytes(map.get(0x03), 'aaguid');
    if (aaguid.length !== 16) throw new CborError('aaguid is not 16 bytes');
    return {
      versions: asTextArray(map.get(0x01), 'versions'),
      extensions: map.has(0x02) ? asTextArray(map.get(0x02), 'extensions') : [],
      aaguid,
      options,
      // A CTAP 2.0 key with a clientPin option but no list speaks protocol 1 (CTAP 2.0 §5.5.1).
      pinUvAuthProtocols: protocols.length > 0 ? protocols : [1],
      minPinLength: map.has(0x0d) ? asInteger(map.get(0x0d), 'minPINLength') : 4,
      transports: map.has(0x09) ? asTextArray(map.get(0x09), 'transports') : [],
      forcePinChange: map.has(0x0c) ? asBoolean(map.get(0x0c), 'forcePINChange') : false,
    };
  });
}

/** What the key can take in one request (getInfo 0x05, 0x07, 0x08); CTAP 2.1 §6.4 defaults maxMsgSize to 1024. */
export interface RequestLimits {
  maxMsgSize: number;
  maxCredentialCountInList: number | null;
  maxCredentialIdLength: number | null;
}

export function parseLimits(map: CborMap): RequestLimits {
  return field(() => ({
    maxMsgSize: map.has(0x05) ? asInteger(map.get(0x05), 'maxMsgSize') : 1024,
    maxCredentialCountInList: map.has(0x07) ? asInteger(map.get(0x07), 'maxCredentialCountInList') : null,
    maxCredentialIdLength: map.has(0x08) ? asInteger(map.get(0x08), 'maxCredentialIdLength') : null,
  }));
}

// ---- authenticatorMakeCredential (0x01) ---------------------------------------------------------

function descriptor(credential: CredentialDescriptor): CborMap {
  // Only type and id: some keys refuse descriptors with fields they do not know (transports).
  return new Map<CborKey, CborValue>([
    ['type', credential.type],
    ['id', credential.id],
  ]);
}

function optionsMap(options: Record<string, boolean | undefined>): CborMap | null {
  const entries = Object.entries(options).filter((entry): entry is [string, boolean] => entry[1] !== undefined);
  return entries.length === 0 ? null : new Map<CborKey, CborValue>(entries);
}

export interface PinUvAuthParam {
  protocol: PinProtocol;
  param: Uint8Array;
}

export function makeCredentialCommand(request: MakeCredentialRequest, auth: PinUvAuthParam | null): Uint8Array {
  const parameters = new Map<CborKey, CborValue>([
    [0x01, request.clientDataHash],
    [
      0x02,
      new Map<CborKey, CborValue>([
        ['id', request.rp.id],
        ['name', request.rp.name],
      ]),
    ],
    [
      0x03,
      new Map<CborKey, CborValue>([
        ['id', request.user.id],
        ['name', request.user.name],
        ['displayName', request.user.displayName],
      ]),
    ],
    [
      0x04,
      request.pubKeyCredParams.map(
        (p) =>
          new Map<CborKey, CborValue>([
            ['alg', p.alg],
            ['type', p.type],
          ]),
      ),
    ],
  ]);
  if (request.excludeList.length > 0) parameters.set(0x05, request.excludeList.map(descriptor));
  const options = optionsMap(request.options);
  if (options !== null) parameters.set(0x07, options);
  if (auth !== null) {
    parameters.set(0x08, auth.param);
    parameters.set(0x09, auth.protocol);
  }
  return command(COMMAND.MAKE_CREDENTIAL, parameters);
}

export function parseMakeCredential(map: CborMap): MakeCredentialResult {
  return field(() => {
    const fmt = asText(map.get(0x01), 'fmt');
    const authData = asBytes(map.get(0x02), 'authData');
    const statement = asMap(map.get(0x03), 'attStmt');
    const attStmt = new Map<string, unknown>();
    for (const [key, value] of statement) attStmt.set(asText(key, 'attStmt key'), value);
    // WebAuthn's attestation object uses text keys where CTAP2 numbers them (§6.1.2, WebAuthn §6.5).
    const attestationObject = encodeCbor(
      new Map<CborKey, CborValue>([
        ['fmt', fmt],
        ['attStmt', statement],
        ['authData', authData],
      ]),
    );
    return { fmt, authData, attStmt, attestationObject };
  });
}

// ---- authenticatorGetAssertion (0x02) -----------------------------------------------------------

export function getAssertionCommand(request: GetAssertionRequest, auth: PinUvAuthParam | null): Uint8Array {
  const parameters = new Map<CborKey, CborValue>([
    [0x01, request.rpId],
    [0x02, request.clientDataHash],
  ]);
  if (request.allowList.length > 0) parameters.set(0x03, request.allowList.map(descriptor));
  const options = optionsMap(request.options);
  if (options !== null) parameters.set(0x05, options);
  if (auth !== null) {
    parameters.set(0x06, auth.param);
    parameters.set(0x07, auth.protocol);
  }
  return command(COMMAND.GET_ASSERTION, parameters);
}

export function parseGetAssertion(map: CborMap, allowList: CredentialDescriptor[]): GetAssertionResult {
  return field(() => {
    let credentialId: Uint8Array;
    if (map.has(0x01)) {
      credentialId = asBytes(asMap(map.get(0x01), 'credential').get('id'), 'credential.id');
    } else if (allowList.length === 1 && allowList[0] !== undefined) {
      // §6.2.2: the key may leave the credential out when the allow list held exactly one.
      credentialId = allowList[0].id;
    } else {
      throw new CborError('credential is missing');
    }
    const user = map.has(0x04) ? asMap(map.get(0x04), 'user') : null;
    return {
      credentialId,
      authData: asBytes(map.get(0x02), 'authData'),
      signature: asBytes(map.get(0x03), 'signature'),
      userHandle: user === null ? null : asBytes(user.get('id'), 'user.id'),
    };
  });
}

// ---- authenticatorClientPIN (0x06) ---------------------------------------------------------------

export function clientPinCommand(protocol: PinProtocol, subCommand: number, fields: [number, CborValue][] = []): Uint8Array {
  return command(COMMAND.CLIENT_PIN, new Map<CborKey, CborValue>([[0x01, protocol], [0x02, subCommand], ...fields]));
}

export function parseRetries(map: CborMap): { retries: number; powerCycleRequired: boolean } {
  return field(() => ({
    retries: asInteger(map.get(0x03), 'pinRetries'),
    powerCycleRequired: map.has(0x04) ? asBoolean(map.get(0x04), 'powerCycleState') : false,
  }));
}

export function parseKeyAgreement(map: CborMap): CborMap {
  return field(() => asMap(map.get(0x01), 'keyAgreement'));
}

export function parseEncryptedToken(map: CborMap): Uint8Array {
  return field(() => asBytes(map.get(0x02), 'pinUvAuthToken'));
}
