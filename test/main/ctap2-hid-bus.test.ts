/**
 * Issue 11, "Talk CTAP2 over USB HID ... with a maintained HID binding (node-hid ships prebuilt
 * binaries)": the real bus. No key can be plugged in here, so what node-hid does with a device is
 * stood in for (we do not own it); loading its binary and enumerating this machine's devices is real.
 */
import { describe, expect, it } from 'vitest';
import { nodeHidBus, type NodeHidAsync, type NodeHidDevice, type NodeHidModule } from '../../electron/main/ctap2/hid-bus.js';
import { HidAccessError } from '../../electron/main/ctap2/errors.js';
import { FIDO_USAGE_PAGE, HidGoneError } from '../../electron/main/ctap2/transport.js';

class StandInDevice implements NodeHidAsync {
  readonly written: Buffer[] = [];
  readonly reads: (Buffer | Error)[] = [];
  failWrites: Error | null = null;
  closed = false;

  async write(values: number[] | Buffer): Promise<number> {
    if (this.failWrites) throw this.failWrites;
    this.written.push(Buffer.from(values));
    return values.length;
  }

  async read(): Promise<Buffer | undefined> {
    const next = this.reads.shift() ?? Buffer.alloc(0);
    if (next instanceof Error) throw next;
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function standIn(
  devices: NodeHidDevice[],
  device = new StandInDevice(),
): { module: NodeHidModule; device: StandInDevice; opened: { path: string; options: unknown }[] } {
  const opened: { path: string; options: unknown }[] = [];
  const module: NodeHidModule = {
    devicesAsync: async () => devices,
    HIDAsync: {
      open: async (path, options) => {
        opened.push({ path, options });
        return device;
      },
    },
  };
  return { module, device, opened };
}

const KEY: NodeHidDevice = {
  vendorId: 0x1050,
  productId: 0x0407,
  path: '/dev/hidraw3',
  product: 'YubiKey OTP+FIDO+CCID',
  manufacturer: 'Yubico',
  usagePage: FIDO_USAGE_PAGE,
};
const KEYBOARD: NodeHidDevice = {
  vendorId: 0x1050,
  productId: 0x0407,
  path: '/dev/hidraw2',
  product: 'YubiKey OTP+FIDO+CCID',
  manufacturer: 'Yubico',
  usagePage: 0x01,
};

describe('the node-hid bus', () => {
  it('loads node-hid only when first used, and lists only FIDO interfaces', async () => {
    const stand = standIn([KEYBOARD, KEY, { ...KEY }, { ...KEY, path: undefined }]);
    let loads = 0;
    const bus = nodeHidBus(async () => {
      loads += 1;
      return stand.module;
    });
    expect(loads).toBe(0);
    expect(await bus.list()).toEqual([
      { path: '/dev/hidraw3', vendorId: 0x1050, productId: 0x0407, product: 'YubiKey OTP+FIDO+CCID', manufacturer: 'Yubico' },
    ]);
    await bus.list();
    expect(loads).toBe(1);
  });

  it('writes each report with report id 0 in front, and reads reports back without it', async () => {
    const stand = standIn([KEY]);
    const pipe = await nodeHidBus(async () => stand.module).open('/dev/hidraw3');
    expect(stand.opened).toEqual([{ path: '/dev/hidraw3', options: { nonExclusive: true } }]);
    const report = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    await pipe.write(report);
    expect(stand.device.written[0]).toHaveLength(65);
    expect(stand.device.written[0]?.[0]).toBe(0);
    expect(new Uint8Array(stand.device.written[0]!.subarray(1))).toEqual(report);

    stand.device.reads.push(Buffer.from(report));
    expect(await pipe.read(100)).toEqual(report);
    // hidapi's answer to a read that timed out is an empty buffer.
    expect(await pipe.read(100)).toBeNull();
  });

  it('turns an I/O error on the open device into HidGoneError, the key having been pulled', async () => {
    const stand = standIn([KEY]);
    const pipe = await nodeHidBus(async () => stand.module).open('/dev/hidraw3');
    stand.device.reads.push(new Error('could not read data from device'));
    await expect(pipe.read(100)).rejects.toBeInstanceOf(HidGoneError);
    stand.device.failWrites = new Error('Cannot write to hid device');
    await expect(pipe.write(new Uint8Array(64))).rejects.toMatchObject({ name: 'HidGoneError', path: '/dev/hidraw3' });
    await pipe.close();
    expect(stand.device.closed).toBe(true);
  });

  it('tells a key the system will not open (still listed) from one pulled before it could be opened', async () => {
    const devices = [KEY];
    const stand = standIn(devices);
    stand.module.HIDAsync.open = async () => {
      throw new Error('cannot open device with path /dev/hidraw3');
    };
    const bus = nodeHidBus(async () => stand.module);
    await expect(bus.open('/dev/hidraw3')).rejects.toBeInstanceOf(HidAccessError);
    devices.length = 0;
    await expect(bus.open('/dev/hidraw3')).rejects.toBeInstanceOf(HidGoneError);
  });

  it('loads the real node-hid binary on this machine and enumerates without error (no key is plugged in here)', async () => {
    const devices = await nodeHidBus().list();
    expect(Array.isArray(devices)).toBe(true);
    for (const device of devices) expect(typeof device.path).toBe('string');
  });
});
