/**
 * The CTAP2 client over USB HID: what the native ceremony (electron/main/native-webauthn/) uses to
 * enrol a security key where Electron's WebAuthn cannot collect a PIN. See README "WebAuthn inside
 * Electron".
 */
export type {
  AuthenticatorInfo,
  Control,
  CredentialDescriptor,
  GetAssertionRequest,
  GetAssertionResult,
  KeyStatus,
  MakeCredentialRequest,
  MakeCredentialResult,
  PinProtocol,
  PinUvAuthToken,
} from './types.js';
export { Ctap2Error, CtapResponseError, HidAccessError, KeyNotSupportedError, NoSecurityKeyError } from './errors.js';
export { SecurityKey, type SecurityKeyOptions } from './security-key.js';
export { selectKeyByTouch } from './select.js';
export { nodeHidBus } from './hid-bus.js';
export { FIDO_USAGE_PAGE, HID_REPORT_SIZE, HidGoneError, type HidBus, type HidDeviceInfo, type HidReportPipe } from './transport.js';
