/**
 * What the CTAP2 client needs of a USB HID security key, and nothing more: 64-byte reports in and
 * out. The real bus is node-hid (loaded lazily in hid-bus.ts); tests plug a software authenticator
 * of our own in here, so every byte the client sends and parses goes through the same code.
 */

/** The FIDO HID usage page: every CTAPHID device announces it. */
export const FIDO_USAGE_PAGE = 0xf1d0;
/** CTAPHID packets are the device's 64-byte reports (the report id is the bus's business). */
export const HID_REPORT_SIZE = 64;

export interface HidDeviceInfo {
  /** The OS path the bus opens the device by; stable while it stays plugged in. */
  path: string;
  vendorId: number;
  productId: number;
  product: string | null;
  manufacturer: string | null;
}

/** One opened device: reports written and read in order. */
export interface HidReportPipe {
  /** Writes one report of exactly HID_REPORT_SIZE bytes. Rejects with HidGoneError when the key was pulled. */
  write(report: Uint8Array): Promise<void>;
  /** The next report, or null when none arrived within timeoutMs. Rejects with HidGoneError when the key was pulled. */
  read(timeoutMs: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

/** The devices on the FIDO usage page, and a way to open one. */
export interface HidBus {
  list(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidReportPipe>;
}

/** The key was unplugged (or the OS took it away) while in use. */
export class HidGoneError extends Error {
  constructor(readonly path: string) {
    super(`the security key at ${path} is no longer connected`);
    this.name = 'HidGoneError';
  }
}
