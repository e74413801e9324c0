/**
 * Numbers from the FIDO CTAP 2.1 specification (section 11.2 for CTAPHID,
 * section 6 and 8 for commands and status codes), named once so the software
 * key and its tests speak the same words as the specification.
 */

/** CTAPHID commands (the top bit marks an initialisation packet and is added by the framing). */
export const HidCommand = {
  PING: 0x01,
  MSG: 0x03,
  LOCK: 0x04,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;

/** Codes a CTAPHID_ERROR carries. */
export const HidError = {
  INVALID_CMD: 0x01,
  INVALID_PAR: 0x02,
  INVALID_LEN: 0x03,
  INVALID_SEQ: 0x04,
  MSG_TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  LOCK_REQUIRED: 0x0a,
  INVALID_CHANNEL: 0x0b,
  OTHER: 0x7f,
} as const;

/** CTAPHID_KEEPALIVE status bytes. */
export const KeepaliveStatus = { PROCESSING: 1, UP_NEEDED: 2 } as const;

export const BROADCAST_CID = 0xffffffff;
/** CTAPHID_INIT's capability flags: WINK, CBOR, NMSG (no CTAP1/U2F MSG). */
export const CAPABILITY = { WINK: 0x01, CBOR: 0x04, NMSG: 0x08 } as const;

/** authenticator* command bytes (the first byte of a CTAPHID_CBOR message). */
export const CtapCommand = {
  makeCredential: 0x01,
  getAssertion: 0x02,
  getInfo: 0x04,
  clientPIN: 0x06,
  reset: 0x07,
  getNextAssertion: 0x08,
  selection: 0x0b,
} as const;

export const ClientPinSubcommand = {
  getPINRetries: 0x01,
  getKeyAgreement: 0x02,
  setPIN: 0x03,
  changePIN: 0x04,
  getPinToken: 0x05,
  getPinUvAuthTokenUsingUvWithPermissions: 0x06,
  getUVRetries: 0x07,
  getPinUvAuthTokenUsingPinWithPermissions: 0x09,
} as const;

/** pinUvAuthToken permissions (CTAP 2.1 section 6.5.5.7). */
export const Permission = { mc: 0x01, ga: 0x02, cm: 0x04, be: 0x08, lbw: 0x10, acfg: 0x20 } as const;

/** CTAP status codes: the first byte of every CTAPHID_CBOR answer. */
export const Status = {
  CTAP2_OK: 0x00,
  CTAP1_ERR_INVALID_COMMAND: 0x01,
  CTAP1_ERR_INVALID_PARAMETER: 0x02,
  CTAP1_ERR_INVALID_LENGTH: 0x03,
  CTAP1_ERR_INVALID_SEQ: 0x04,
  CTAP1_ERR_TIMEOUT: 0x05,
  CTAP1_ERR_CHANNEL_BUSY: 0x06,
  CTAP1_ERR_LOCK_REQUIRED: 0x0a,
  CTAP1_ERR_INVALID_CHANNEL: 0x0b,
  CTAP2_ERR_CBOR_UNEXPECTED_TYPE: 0x11,
  CTAP2_ERR_INVALID_CBOR: 0x12,
  CTAP2_ERR_MISSING_PARAMETER: 0x14,
  CTAP2_ERR_LIMIT_EXCEEDED: 0x15,
  CTAP2_ERR_CREDENTIAL_EXCLUDED: 0x19,
  CTAP2_ERR_PROCESSING: 0x21,
  CTAP2_ERR_INVALID_CREDENTIAL: 0x22,
  CTAP2_ERR_USER_ACTION_PENDING: 0x23,
  CTAP2_ERR_OPERATION_PENDING: 0x24,
  CTAP2_ERR_NO_OPERATIONS: 0x25,
  CTAP2_ERR_UNSUPPORTED_ALGORITHM: 0x26,
  CTAP2_ERR_OPERATION_DENIED: 0x27,
  CTAP2_ERR_KEY_STORE_FULL: 0x28,
  CTAP2_ERR_UNSUPPORTED_OPTION: 0x2b,
  CTAP2_ERR_INVALID_OPTION: 0x2c,
  CTAP2_ERR_KEEPALIVE_CANCEL: 0x2d,
  CTAP2_ERR_NO_CREDENTIALS: 0x2e,
  CTAP2_ERR_USER_ACTION_TIMEOUT: 0x2f,
  CTAP2_ERR_NOT_ALLOWED: 0x30,
  CTAP2_ERR_PIN_INVALID: 0x31,
  CTAP2_ERR_PIN_BLOCKED: 0x32,
  CTAP2_ERR_PIN_AUTH_INVALID: 0x33,
  CTAP2_ERR_PIN_AUTH_BLOCKED: 0x34,
  CTAP2_ERR_PIN_NOT_SET: 0x35,
  CTAP2_ERR_PUAT_REQUIRED: 0x36,
  CTAP2_ERR_PIN_POLICY_VIOLATION: 0x37,
  CTAP2_ERR_REQUEST_TOO_LARGE: 0x39,
  CTAP2_ERR_ACTION_TIMEOUT: 0x3a,
  CTAP2_ERR_UP_REQUIRED: 0x3b,
  CTAP2_ERR_UV_BLOCKED: 0x3c,
  CTAP2_ERR_INTEGRITY_FAILURE: 0x3d,
  CTAP2_ERR_INVALID_SUBCOMMAND: 0x3e,
  CTAP2_ERR_UV_INVALID: 0x3f,
  CTAP2_ERR_UNAUTHORIZED_PERMISSION: 0x40,
  CTAP1_ERR_OTHER: 0x7f,
} as const;

export type StatusName = keyof typeof Status;

/** A CTAP2 command's refusal: the handler throws it and the key answers with its status byte. */
export class CtapStatusError extends Error {
  readonly status: number;
  constructor(readonly code: StatusName) {
    super(code);
    this.name = 'CtapStatusError';
    this.status = Status[code];
  }
}

/** The name of a status byte, for test messages. */
export function statusName(status: number): string {
  const found = (Object.keys(Status) as StatusName[]).find((k) => Status[k] === status);
  return found ?? `0x${status.toString(16).padStart(2, '0')}`;
}
