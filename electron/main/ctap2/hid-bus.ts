/**
 * The real bus: node-hid (prebuilt hidapi binaries), imported on first use only so the app starts
 * without touching USB and a missing binary fails one ceremony, not the whole process.
 */
import { HidAccessError } from './errors.js';
import { FIDO_USAGE_PAGE, HID_REPORT_SIZE, HidGoneError, type HidBus, type HidDeviceInfo, type HidReportPipe } from './transport.js';

/** The part of node-hid we use (its HIDAsync API), so tests can hand in a stand-in for the native module. */
export interface NodeHidModule {
  devicesAsync(): Promise<NodeHidDevice[]>;
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<NodeHidAsync> };
}

export interface NodeHidDevice {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  product?: string | undefined;
  manufacturer?: string | undefined;
  usagePage?: number | undefined;
}

export interface NodeHidAsync {
  write(values: number[] | Buffer): Promise<number>;
  read(timeOut?: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

const loadNodeHid = async (): Promise<NodeHidModule> => {
  const loaded = await import('node-hid');
  return loaded;
};

export function nodeHidBus(load: () => Promise<NodeHidModule> = loadNodeHid): HidBus {
  let module: Promise<NodeHidModule> | null = null;
  const hid = (): Promise<NodeHidModule> => {
    module ??= load().catch((error: unknown) => {
      module = null;
      throw error;
    });
    return module;
  };

  return {
    async list() {
      return fidoDevices(await (await hid()).devicesAsync());
    },
    async open(path) {
      const nodeHid = await hid();
      let device: NodeHidAsync;
      try {
        // Non-exclusive: CTAPHID channels exist so several programs can share a key (macOS opens exclusively otherwise).
        device = await nodeHid.HIDAsync.open(path, { nonExclusive: true });
      } catch (cause) {
        // hidapi says only "cannot open device": a key no longer listed was pulled, one still listed is refused to us.
        const still = fidoDevices(await nodeHid.devicesAsync().catch(() => [])).some((d) => d.path === path);
        throw still ? new HidAccessError(path, { cause }) : Object.assign(new HidGoneError(path), { cause });
      }
      return pipeOver(device, path);
    },
  };
}

/** FIDO interfaces only, each path once (some systems list a composite key's interface per collection). */
function fidoDevices(devices: NodeHidDevice[]): HidDeviceInfo[] {
  const seen = new Set<string>();
  return devices.flatMap((device): HidDeviceInfo[] => {
    if (device.usagePage !== FIDO_USAGE_PAGE || device.path === undefined || device.path === '' || seen.has(device.path)) return [];
    seen.add(device.path);
    return [
      {
        path: device.path,
        vendorId: device.vendorId,
        productId: device.productId,
        product: device.product ?? null,
        manufacturer: device.manufacturer ?? null,
      },
    ];
  });
}

function pipeOver(device: NodeHidAsync, path: string): HidReportPipe {
  let closed = false;
  // An I/O error on an open HID device is the device going away (pulled, or the OS took it back).
  const gone = (cause: unknown): HidGoneError => Object.assign(new HidGoneError(path), { cause });
  return {
    async write(report) {
      if (closed) throw new HidGoneError(path);
      if (report.length !== HID_REPORT_SIZE) throw new RangeError(`a report is ${HID_REPORT_SIZE} bytes, not ${report.length}`);
      // FIDO keys use no numbered reports: hidapi wants report id 0 first on every OS (node-hid README, "Writing to a device").
      const framed = Buffer.alloc(HID_REPORT_SIZE + 1);
      framed.set(report, 1);
      try {
        await device.write(framed);
      } catch (cause) {
        throw gone(cause);
      }
    },
    async read(timeoutMs) {
      if (closed) throw new HidGoneError(path);
      let data: Buffer | undefined;
      try {
        data = await device.read(timeoutMs);
      } catch (cause) {
        throw gone(cause);
      }
      // hidapi returns an empty read on timeout, and strips report id 0 on every OS (Windows included).
      if (data === undefined || data.length === 0) return null;
      const report = new Uint8Array(HID_REPORT_SIZE);
      report.set(data.subarray(0, HID_REPORT_SIZE));
      return report;
    },
    async close() {
      if (closed) return;
      closed = true;
      await device.close();
    },
  };
}
