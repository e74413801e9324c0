/** The software CTAP2 security key for tests: a HID device on a software bus. See soft-security-key.ts. */
export { SoftHidBus } from './soft-hid-bus.js';
export {
  SoftSecurityKey,
  SOFT_KEY_AAGUID,
  SOFT_KEY_PRODUCT_ID,
  SOFT_KEY_VENDOR_ID,
  type HeldCredential,
  type HidFrame,
  type SoftSecurityKeyOptions,
} from './soft-security-key.js';
export { Status, statusName, HidCommand, HidError, KeepaliveStatus, CtapCommand, ClientPinSubcommand, Permission } from './constants.js';
export { attestationRootPem } from './attestation-ca.js';
