import { afterEach, describe, expect, it } from 'vitest';
import { CTAPHID } from '../../electron/main/ctap2/ctaphid.js';
import { HidGoneError, SecurityKey, selectKeyByTouch, type KeyStatus } from '../../electron/main/ctap2/index.js';
import { SoftHidBus, SoftSecurityKey } from '../support/ctap2/index.js';
import { ctapCode, failure, hostMessages, opened, plugged, registration } from './support/security-key.js';

// The CTAP2 client while the key waits: touch, cancel, a busy channel, a pulled key, and choosing one key of several by touch.
/**
 * Issue 11, "the CTAP2 client's unit tests against [our software authenticator] for every command
 * and error path, including fragmented CTAPHID messages, a channel busy, a cancelled request and a
 * key pulled mid-ceremony": SecurityKey over SoftHidBus, the software key written independently
 * of this client (test/support/ctap2/), byte for byte over 64-byte reports.
 */

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((key) => key.close()));
});

describe('touch, cancel, busy and a pulled key', () => {
  it('reports touch_needed from the key keepalives and finishes when the key is touched', async () => {
    const { key, soft } = await plugged({ uv: 'none', touch: 'manual' });
    const statuses: KeyStatus[] = [];
    const pending = key.makeCredential(registration(), { onStatus: (s) => statuses.push(s) });
    await soft.untilTouchNeeded();
    await expect.poll(() => statuses).toContain('touch_needed');
    soft.touch();
    await pending;
    expect(statuses.filter((s) => s === 'touch_needed')).toHaveLength(1);
  });

  it('cancel really cancels: CTAPHID_CANCEL goes to the key, the key stops waiting, nothing is registered', async () => {
    const { key, soft } = await plugged({ uv: 'none', touch: 'manual' });
    const stop = new AbortController();
    const pending = key.makeCredential(registration(), { signal: stop.signal });
    await soft.untilTouchNeeded();
    stop.abort();
    expect(await ctapCode(pending)).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(hostMessages(soft).some((m) => m.cmd === CTAPHID.CANCEL)).toBe(true);
    expect(soft.waitingForTouch()).toBe(false);
    expect(soft.credentials()).toHaveLength(0);
    // The channel is still good for the next request.
    await expect(key.getInfo()).resolves.toBeTruthy();
  });

  it('waits while another program keeps the key busy, then goes on', async () => {
    const { key, soft } = await plugged({ uv: 'none' });
    soft.busyWith(0x0badcafe);
    setTimeout(() => {
      soft.busyWith(null);
    }, 150);
    await expect(key.getInfo()).resolves.toMatchObject({ versions: expect.arrayContaining(['FIDO_2_1']) as unknown });
  });

  it('gives up with CTAP1_ERR_CHANNEL_BUSY when the key stays busy past the retries', async () => {
    const bus = new SoftHidBus();
    const soft = new SoftSecurityKey({ uv: 'none' });
    const key = await SecurityKey.open(bus, bus.plug(soft), { timings: { busyRetries: 2, busyBackoffMs: 10 } });
    opened.push(key);
    soft.busyWith(0x0badcafe);
    expect(await ctapCode(key.getInfo())).toBe('CTAP1_ERR_CHANNEL_BUSY');
  });

  it('a key pulled mid-ceremony surfaces as HidGoneError naming the device', async () => {
    const { key, soft, bus } = await plugged({ uv: 'none', touch: 'manual' });
    const path = key.device.path;
    const pending = key.makeCredential(registration());
    await soft.untilTouchNeeded();
    bus.unplug(soft);
    const error = await failure(pending);
    expect(error).toBeInstanceOf(HidGoneError);
    expect((error as HidGoneError).path).toBe(path);
  });
});

describe('choosing a key by touch', () => {
  it('waitForTouch uses authenticatorSelection on a 2.1 key and the empty-pinUvAuthParam probe on a 2.0 key, making no credential', async () => {
    for (const versions of [['FIDO_2_0', 'FIDO_2_1'], ['FIDO_2_0']] as const) {
      const { key, soft } = await plugged({ versions: [...versions], touch: 'manual' });
      const pending = key.waitForTouch();
      await soft.untilTouchNeeded();
      soft.touch();
      await pending;
      const sent = hostMessages(soft)
        .filter((m) => m.cmd === CTAPHID.CBOR)
        .map((m) => m.payload[0]);
      expect(sent.at(-1)).toBe(versions.length === 2 ? 0x0b : 0x01);
      expect(soft.credentials()).toHaveLength(0);
    }
  });

  it('returns the key that was touched and cancels the others', async () => {
    const bus = new SoftHidBus();
    const first = new SoftSecurityKey({ touch: 'manual' });
    const second = new SoftSecurityKey({ touch: 'manual', versions: ['FIDO_2_0'] });
    const devices = [bus.plug(first), bus.plug(second)];
    const statuses: KeyStatus[] = [];
    const choosing = selectKeyByTouch(bus, devices, { onStatus: (s) => statuses.push(s) });
    await Promise.all([first.untilTouchNeeded(), second.untilTouchNeeded()]);
    second.touch();
    const chosen = await choosing;
    opened.push(chosen);
    expect(chosen.device.path).toBe(devices[1]?.path);
    await expect.poll(() => first.waitingForTouch()).toBe(false);
    expect(hostMessages(first).some((m) => m.cmd === CTAPHID.CANCEL)).toBe(true);
    expect(statuses.filter((s) => s === 'touch_needed')).toHaveLength(1);
    await expect(chosen.getInfo()).resolves.toMatchObject({ versions: ['FIDO_2_0'] });
  });

  it('cancel while choosing cancels every key', async () => {
    const bus = new SoftHidBus();
    const keys = [new SoftSecurityKey({ touch: 'manual' }), new SoftSecurityKey({ touch: 'manual' })];
    const devices = keys.map((k) => bus.plug(k));
    const stop = new AbortController();
    const choosing = selectKeyByTouch(bus, devices, { signal: stop.signal });
    await Promise.all(keys.map((k) => k.untilTouchNeeded()));
    stop.abort();
    expect(await ctapCode(choosing)).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(keys.map((k) => k.waitingForTouch())).toEqual([false, false]);
  });
});
