import { HidGoneError, type HidBus, type HidDeviceInfo, type HidReportPipe } from '../../../electron/main/ctap2/transport.js';
import { SOFT_KEY_PRODUCT_ID, SOFT_KEY_VENDOR_ID, type SoftSecurityKey } from './soft-security-key.js';

/**
 * A USB bus with software keys on it, behind the same HidBus interface as
 * node-hid. Each plug gives the key a new path, as an OS does when a key comes
 * back; handles opened before an unplug fail with HidGoneError.
 */
export class SoftHidBus implements HidBus {
  private readonly keys = new Map<string, SoftSecurityKey>();
  private plugs = 0;

  plug(key: SoftSecurityKey): HidDeviceInfo {
    if ([...this.keys.values()].includes(key)) throw new Error('the key is already plugged in');
    const device: HidDeviceInfo = {
      path: `soft-hid:${key.serial}:${++this.plugs}`,
      vendorId: SOFT_KEY_VENDOR_ID,
      productId: SOFT_KEY_PRODUCT_ID,
      product: key.product,
      manufacturer: 'FirstKey Tests',
    };
    this.keys.set(device.path, key);
    key.poweredOn(this, device);
    return device;
  }

  unplug(key: SoftSecurityKey): void {
    const device = key.device;
    if (!device || this.keys.get(device.path) !== key) throw new Error('the key is not plugged into this bus');
    this.keys.delete(device.path);
    key.poweredOff();
  }

  list(): Promise<HidDeviceInfo[]> {
    return Promise.resolve([...this.keys.values()].flatMap((k) => (k.device ? [k.device] : [])));
  }

  open(path: string): Promise<HidReportPipe> {
    const key = this.keys.get(path);
    if (!key) return Promise.reject(new HidGoneError(path));
    return Promise.resolve(key.attach());
  }
}
