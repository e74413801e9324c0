/**
 * The key's status codes (CTAP 2.1 §8.2 "Status codes"; CTAPHID_ERROR codes §11.2.9.1.6 share the
 * CTAP1_ERR_* numbers) and the one error type a ceremony branches on.
 */

const STATUS_NAMES: Readonly<Record<number, string>> = {
  0x01: 'CTAP1_ERR_INVALID_COMMAND',
  0x02: 'CTAP1_ERR_INVALID_PARAMETER',
  0x03: 'CTAP1_ERR_INVALID_LENGTH',
  0x04: 'CTAP1_ERR_INVALID_SEQ',
  0x05: 'CTAP1_ERR_TIMEOUT',
  0x06: 'CTAP1_ERR_CHANNEL_BUSY',
  0x0a: 'CTAP1_ERR_LOCK_REQUIRED',
  0x0b: 'CTAP1_ERR_INVALID_CHANNEL',
  0x11: 'CTAP2_ERR_CBOR_UNEXPECTED_TYPE',
  0x12: 'CTAP2_ERR_INVALID_CBOR',
  0x14: 'CTAP2_ERR_MISSING_PARAMETER',
  0x15: 'CTAP2_ERR_LIMIT_EXCEEDED',
  0x16: 'CTAP2_ERR_UNSUPPORTED_EXTENSION',
  0x17: 'CTAP2_ERR_FP_DATABASE_FULL',
  0x18: 'CTAP2_ERR_LARGE_BLOB_STORAGE_FULL',
  0x19: 'CTAP2_ERR_CREDENTIAL_EXCLUDED',
  0x21: 'CTAP2_ERR_PROCESSING',
  0x22: 'CTAP2_ERR_INVALID_CREDENTIAL',
  0x23: 'CTAP2_ERR_USER_ACTION_PENDING',
  0x24: 'CTAP2_ERR_OPERATION_PENDING',
  0x25: 'CTAP2_ERR_NO_OPERATIONS',
  0x26: 'CTAP2_ERR_UNSUPPORTED_ALGORITHM',
  0x27: 'CTAP2_ERR_OPERATION_DENIED',
  0x28: 'CTAP2_ERR_KEY_STORE_FULL',
  0x2a: 'CTAP2_ERR_NO_OPERATION_PENDING',
  0x2b: 'CTAP2_ERR_UNSUPPORTED_OPTION',
  0x2c: 'CTAP2_ERR_INVALID_OPTION',
  0x2d: 'CTAP2_ERR_KEEPALIVE_CANCEL',
  0x2e: 'CTAP2_ERR_NO_CREDENTIALS',
  0x2f: 'CTAP2_ERR_USER_ACTION_TIMEOUT',
  0x30: 'CTAP2_ERR_NOT_ALLOWED',
  0x31: 'CTAP2_ERR_PIN_INVALID',
  0x32: 'CTAP2_ERR_PIN_BLOCKED',
  0x33: 'CTAP2_ERR_PIN_AUTH_INVALID',
  0x34: 'CTAP2_ERR_PIN_AUTH_BLOCKED',
  0x35: 'CTAP2_ERR_PIN_NOT_SET',
  0x36: 'CTAP2_ERR_PUAT_REQUIRED',
  0x37: 'CTAP2_ERR_PIN_POLICY_VIOLATION',
  0x38: 'CTAP2_ERR_PIN_TOKEN_EXPIRED',
  0x39: 'CTAP2_ERR_REQUEST_TOO_LARGE',
  0x3a: 'CTAP2_ERR_ACTION_TIMEOUT',
  0x3b: 'CTAP2_ERR_UP_REQUIRED',
  0x3c: 'CTAP2_ERR_UV_BLOCKED',
  0x3d: 'CTAP2_ERR_INTEGRITY_FAILURE',
  0x3e: 'CTAP2_ERR_INVALID_SUBCOMMAND',
  0x3f: 'CTAP2_ERR_UV_INVALID',
  0x40: 'CTAP2_ERR_UNAUTHORIZED_PERMISSION',
  0x7f: 'CTAP1_ERR_OTHER',
};

export const STATUS = {
  TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  INVALID_CHANNEL: 0x0b,
  CREDENTIAL_EXCLUDED: 0x19,
  OPERATION_DENIED: 0x27,
  KEEPALIVE_CANCEL: 0x2d,
  NO_CREDENTIALS: 0x2e,
  USER_ACTION_TIMEOUT: 0x2f,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_AUTH_INVALID: 0x33,
  PIN_AUTH_BLOCKED: 0x34,
  PIN_NOT_SET: 0x35,
  PIN_POLICY_VIOLATION: 0x37,
  OTHER: 0x7f,
} as const;

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `CTAP_ERR_0x${status.toString(16).padStart(2, '0')}`;
}

/**
 * A status the key answered with (or, for CTAP1_ERR_TIMEOUT, CTAP2_ERR_KEEPALIVE_CANCEL and
 * CTAP2_ERR_PIN_POLICY_VIOLATION, the one the client reports on the key's behalf: no answer in time,
 * a cancel the caller asked for, a PIN refused before it reached the key).
 */
export class Ctap2Error extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    detail?: string,
  ) {
    const code = statusName(status);
    super(detail === undefined ? code : `${code}: ${detail}`);
    this.name = 'Ctap2Error';
    this.code = code;
  }
}

/** The key answered, but not with anything CTAP2 allows (bad framing, bad CBOR, a missing field). */
export class CtapResponseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CtapResponseError';
  }
}

/** The device answers on the FIDO usage page but cannot do what we ask of it (policy needs CTAP2, or a PIN). */
export class KeyNotSupportedError extends Error {
  constructor(readonly reason: 'no_ctap2' | 'no_pin') {
    super(reason === 'no_ctap2' ? 'the security key speaks only U2F (CTAP1), not CTAP2' : 'the security key cannot hold a PIN');
    this.name = 'KeyNotSupportedError';
  }
}

/** Asked to choose among keys when none is connected (or none could be opened). */
export class NoSecurityKeyError extends Error {
  constructor() {
    super('no security key is connected');
    this.name = 'NoSecurityKeyError';
  }
}

/**
 * The key is connected but the OS would not let us open it: on Linux, no udev rule gives the
 * logged-in user its hidraw node (systemd tags FIDO keys for the seat since v244; older systems
 * need the libfido2 rules); elsewhere, another program holding it exclusively.
 */
export class HidAccessError extends Error {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`the system did not let us open the security key at ${path}`, options);
    this.name = 'HidAccessError';
  }
}
