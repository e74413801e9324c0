import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../api/defaults.js';
import type { IpcName } from '../../api/ipc-channels.js';
import { deviceKeyAccount, DEVICE_KEY_SERVICE } from '../../electron/main/device/device-key.js';
import { createLinkReceiver, type LinkReceiver } from '../../electron/main/deep-link.js';
import { readRecordedThumbprint } from '../../electron/main/device/thumbprint-record.js';
import { KeytarSecretStore, lazyKeytar, loadNapiKeyring } from '../../electron/main/device/secret-store.js';
import { readPosture } from '../../electron/main/posture/read.js';
import type { DevicePosture } from '../../api/posture.js';
import type { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { OPERATOR_PIN_SERVICE } from '../../electron/main/kiosk/operator-pin.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import type { HidBus } from '../../electron/main/ctap2/transport.js';
import { createLogger, readRecentLogLines } from '../../electron/main/log/logger.js';
import { runAdmin } from '../../server/admin/cli.js';
import { verifyAuditChain } from '../../server/audit.js';
import { ServerConfig } from '../../server/config.js';
import type { CredentialRow, DeviceRow } from '../../server/db/schema.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';
import { bridgeToMain, serveAppAsMain } from './app-page.js';
import { recordingFetch, runApp, type Machine, type WireRecord } from './app-run.js';
import { newKioskRecord, stationHost, type KioskRecord, type StationParts } from './kiosk-host.js';
import type { NativeKeyBus } from './native-key-host.js';
import { keyContents, VirtualKey, type AuthenticatorOptions, type KeyCredential } from './virtual-key.js';

export type { WireRecord } from './app-run.js';
export type { KioskRecord } from './kiosk-host.js';
export type { AuthenticatorOptions, KeyCredential } from './virtual-key.js';

/** `value`, or a failure that names what was missing (instead of a non-null assertion). */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}

export const RENDERER_DIR = join(process.cwd(), 'dist', 'renderer');

/**
 * One enrolment stack for one test: the real verification server on its own
 * SQLite file, the real main-process controller and IPC gate, and the built
 * renderer served under the enrolment origin by main's own asset handler. The
 * page gets `window.firstkey` from a binding that goes through that gate, as the
 * preload's ipcRenderer.invoke would. The device key lives in the real OS keychain
 * (run under scripts/with-keyring.sh), one installation id per test.
 */
export class FirstKeyHarness {
  readonly clock = new TestClock('running');
  readonly origin = DEMO_ENROLMENT_ORIGIN;
  controller!: EnrolmentController;
  private running: RunningServer | null = null;
  private dataDir = '';
  /**
   * True: the keychain binding cannot load, as on a machine whose native module is missing. Read by
   * main's own lazy loader on each try, so "Try again" after a repair finds the keychain.
   */
  keychainMissing = false;
  private readonly store = new KeytarSecretStore(
    lazyKeytar(() =>
      this.keychainMissing
        ? Promise.reject(Object.assign(new Error("Cannot find module '@napi-rs/keyring-linux-x64-gnu'"), { code: 'MODULE_NOT_FOUND' }))
        : loadNapiKeyring(),
    ),
  );
  private readonly installations: string[] = [];
  /** Chromium's virtual authenticator in the attached page. */
  private readonly key = new VirtualKey();
  /** Each device's installation: its keychain account and its user data directory (app.getPath('userData')). */
  private readonly machines = new Map<EnrolmentController, Machine>();
  /** What each kiosk station's host did. */
  private readonly kioskRecords = new Map<EnrolmentController, KioskRecord>();
  /** The controller each page's calls reach now; swapped by restart(), as a new run of the app would. */
  private readonly attached = new Map<Page, EnrolmentController>();
  /** Where "Export diagnostics" saves, in place of the save dialog. */
  readonly diagnosticsDir = mkdtempSync(join(tmpdir(), 'firstkey-e2e-diagnostics-'));
  /** Every time main would have brought the window forward. */
  focusCalls = 0;
  /** main's own log, as the app writes it under app.getPath('logs'): one directory for every run in this test. */
  readonly logDir = mkdtempSync(join(tmpdir(), 'firstkey-e2e-logs-'));
  private readonly logger = createLogger({ dir: this.logDir, level: 'debug' });
  /** What crossed the wire between main and the server: the secrets a log must never hold. */
  readonly wire: WireRecord[] = [];

  /** main's link receiver for the app running in this page, as index.ts wires it to 'second-instance' and 'open-url'. */
  links(page: Page): LinkReceiver {
    return createLinkReceiver({
      deliver: (code) => {
        this.controllerOf(page).offerLaunchCode(code);
      },
      focusWindow: () => {
        this.focusCalls += 1;
      },
    });
  }

  private controllerOf(page: Page): EnrolmentController {
    return present(this.attached.get(page), 'a page attached with attach()');
  }

  get server(): RunningServer {
    return present(this.running, 'a started server (call start() first)');
  }

  async start(settings: Partial<ServerConfig> = {}, options: Omit<StartOptions, 'clock'> = {}): Promise<void> {
    this.dataDir = mkdtempSync(join(tmpdir(), 'firstkey-e2e-'));
    const config = ServerConfig.parse({ dataDir: this.dataDir, port: 0, rpId: DEMO_RP_ID, origins: [this.origin], ...settings });
    this.running = await startServer(config, { ...options, clock: this.clock });
    this.controller = this.newDevice();
    // One person per tier of the built-in policy.
    const users = [
      { username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' },
      { username: 'grace.admin', displayName: 'Grace Hopper', role: 'admin' },
      { username: 'carl.contract', displayName: 'Carl Contractor', role: 'engineer', employmentType: 'contractor' as const },
    ];
    for (const user of users) await this.server.services.accounts.createUser(user, 'test');
  }

  /** The app as installed on one machine: its own device key in the keychain, its own user data, its own controller. */
  newDevice(kiosk = false): EnrolmentController {
    const installationId = `e2e-${randomUUID()}`;
    this.installations.push(installationId);
    return this.run({ installationId, userData: mkdtempSync(join(tmpdir(), 'firstkey-e2e-userdata-')), kiosk });
  }

  /**
   * A kiosk station (managed configuration turned kiosk mode on): its own device key, not registered
   * yet, and the kiosk host with main's real operator PIN (in the real keychain) and real wipe order,
   * the Electron window stood in by the page it is attached to, the printer by a record.
   */
  newStation(): EnrolmentController {
    return this.newDevice(true);
  }

  /** What this station's host printed, wiped and whether it quit. */
  kiosk(controller: EnrolmentController): KioskRecord {
    return present(this.kioskRecords.get(controller), 'a station made by newStation()');
  }

  /** IT's side: `npm run admin -- issue-station-code --name ...`, through the server's own service. */
  async issueStationCode(name = 'Lobby 1'): Promise<string> {
    return (await this.server.services.stations.issueStationCode(name, 'test-admin')).code;
  }

  /**
   * A station set up by IT and registered with its code, as the unregistered-station screen does, and
   * the operator's first PIN chosen right after (a station without one serves nobody).
   */
  async registeredStation(name = 'Lobby 1', pin = '482915'): Promise<EnrolmentController> {
    const station = this.newStation();
    await station.handlers.registerStation({ code: await this.issueStationCode(name) });
    await station.handlers.setOperatorPin({ pin });
    return station;
  }

  /** Calls the page makes that main answers with a failure, as if main could not answer them. */
  private readonly failingCalls = new Set<IpcName>();

  /** From now on main answers this call with a failure (`internal`), until the test ends. */
  failCall(name: IpcName): void {
    this.failingCalls.add(name);
  }

  /**
   * Someone (an operator, or a colleague) with their own security key, enrolled on their own laptop
   * (main's real client, a software key): the key, and its contents to plug into the station with plugKey().
   */
  async enrolSecurityKey(username = 'grace.admin'): Promise<{ key: SoftAuthenticator; contents: KeyCredential[] }> {
    const laptop = this.newDevice();
    await laptop.handlers.startSession({ code: await this.issueCode(username) });
    const options = await laptop.handlers.registrationOptions({ factor: 'security-key' });
    const key = new SoftAuthenticator({ attachment: 'cross-platform', transports: ['usb'] });
    await laptop.handlers.verifyRegistration({ factor: 'security-key', response: key.create(options, { origin: this.origin }) });
    await laptop.handlers.completeSession(undefined);
    return { key, contents: keyContents(key) };
  }

  /** The page now runs on this machine (the same window, another installation), and starts again. */
  async moveTo(page: Page, controller: EnrolmentController): Promise<void> {
    this.attached.set(page, controller);
    await page.goto(`${this.origin}/`);
  }

  private pageOf(controller: EnrolmentController): Page {
    for (const [page, attached] of this.attached) if (attached === controller) return page;
    throw new Error('no page runs on this station');
  }

  /** Managed configuration's `helpDeskContact` for the app runs started from now on (newDevice, restart). */
  helpDeskContact: string | undefined = undefined;

  /**
   * What main reads as this computer's posture at each request carrying its signals: this machine's
   * readers, read once when the harness starts so no request waits on lsblk (specs move the clock right
   * after a click), unless a spec sets its own (posture.spec.ts).
   */
  private readonly machinePosture = readPosture();
  posture: () => Promise<DevicePosture> = () => this.machinePosture;

  /** main's own security-key path, once useNativeKeys() is called. */
  private nativeKeyBus: NativeKeyBus | null = null;

  /**
   * From now on this page's app (and every app run started later) has main's native ceremony on this
   * bus, as index.ts gives it node-hid on a Mac or a Linux laptop. Call before the page opens the app.
   */
  useNativeKeys(
    page: Page,
    bus: HidBus,
    platform: NodeJS.Platform = 'linux',
    touchId: 'configured' | 'unconfigured' | null = null,
  ): EnrolmentController {
    this.nativeKeyBus = { bus, platform, touchId };
    return this.runAgain(page);
  }

  /** Times main cleared the clipboard (Electron's clipboard.clear); the page's own clipboard is checked by the spec. */
  clipboardCleared = 0;

  /** One run of the app on a machine, wired as index.ts wires it. */
  private run(machine: Machine): EnrolmentController {
    const record = newKioskRecord();
    const controller = runApp(machine, {
      store: this.store,
      clock: this.clock,
      serverUrl: this.server.url,
      origin: this.origin,
      logger: this.logger,
      logDir: this.logDir,
      diagnosticsDir: this.diagnosticsDir,
      fetch: recordingFetch(this.wire),
      posture: () => this.posture(),
      helpDeskContact: this.helpDeskContact,
      nativeKeys: this.nativeKeyBus,
      kiosk: machine.kiosk
        ? stationHost(
            this.stationParts(machine.installationId, () => controller),
            record,
          )
        : undefined,
    });
    this.machines.set(controller, machine);
    if (machine.kiosk) this.kioskRecords.set(controller, record);
    return controller;
  }

  /** What a station's host stands on here: its page in place of Electron's window, and the key plugged into it. */
  private stationParts(installationId: string, controller: () => EnrolmentController): StationParts {
    return {
      origin: this.origin,
      store: this.store,
      installationId,
      page: () => this.pageOf(controller()),
      key: this.key,
      clipboardCleared: () => {
        this.clipboardCleared += 1;
      },
    };
  }

  private machineOf(controller: EnrolmentController) {
    return present(this.machines.get(controller), 'a device made by newDevice()');
  }

  /** Someone (a keychain reset, a clean-up tool) deletes this machine's device key from the OS keychain. */
  async deleteDeviceKey(controller: EnrolmentController = this.controller): Promise<void> {
    await this.store.delete(DEVICE_KEY_SERVICE, deviceKeyAccount(this.machineOf(controller).installationId));
  }

  /** The thumbprint this machine's user data records for its device key. */
  async recordedThumbprint(controller: EnrolmentController = this.controller): Promise<string | null> {
    const { userData, installationId } = this.machineOf(controller);
    return readRecordedThumbprint(userData, installationId);
  }

  /** Quits and starts the app again on the same machine (same keychain entry, same user data), then reloads the page. */
  async restart(page: Page): Promise<EnrolmentController> {
    const controller = this.runAgain(page);
    await page.reload();
    return controller;
  }

  /** A new run of the app on the machine this page runs on, which the page's calls reach from now on. */
  private runAgain(page: Page): EnrolmentController {
    const before = this.controllerOf(page);
    const controller = this.run(this.machineOf(before));
    if (before === this.controller) this.controller = controller;
    this.attached.set(page, controller);
    return controller;
  }

  /** Every line main has logged so far, across rotations. */
  logLines(): Promise<string[]> {
    return readRecentLogLines(this.logDir, 100_000);
  }

  /** The diagnostics files saved so far, by name. */
  diagnosticsFiles(): Map<string, string> {
    return new Map(readdirSync(this.diagnosticsDir).map((name) => [name, readFileSync(join(this.diagnosticsDir, name), 'utf8')]));
  }

  /** Someone else, on another machine, redeems the code first. */
  async redeemElsewhere(code: string): Promise<void> {
    await this.newDevice().handlers.startSession({ code });
  }

  async devices(): Promise<DeviceRow[]> {
    return this.server.services.devices.list();
  }

  async stop(): Promise<void> {
    for (const id of this.installations) {
      await this.store.delete(DEVICE_KEY_SERVICE, deviceKeyAccount(id)).catch(() => undefined);
      for (const entry of ['pin', 'attempts']) await this.store.delete(OPERATOR_PIN_SERVICE, `${id}:${entry}`).catch(() => undefined);
    }
    await this.running?.close();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    for (const { userData } of this.machines.values()) rmSync(userData, { recursive: true, force: true });
    rmSync(this.diagnosticsDir, { recursive: true, force: true });
    this.logger.close();
    rmSync(this.logDir, { recursive: true, force: true });
  }

  /** The help desk at the command line (`npm run admin -- ...`) against this server's database: its exit code and what it printed. */
  async admin(...argv: string[]): Promise<{ code: number; out: string }> {
    return this.adminWith({}, ...argv);
  }

  /** The CLI as the agent whose API token is `token` (FIRSTKEY_TOKEN), as help-desk decisions must be made. */
  async adminAs(token: string, ...argv: string[]): Promise<{ code: number; out: string }> {
    return this.adminWith({ FIRSTKEY_TOKEN: token }, ...argv);
  }

  private async adminWith(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await runAdmin(argv, { FIRSTKEY_DATA_DIR: this.dataDir, USER: 'e2e', ...env }, (line) => lines.push(line));
    return { code, out: lines.join('\n') };
  }

  async issueCode(username = 'ada.new', ttlSeconds?: number): Promise<string> {
    return (await this.server.services.accounts.issueCode(username, 'test-helpdesk', ttlSeconds)).code;
  }

  /**
   * Serves the app to this page exactly as main does, and refuses every other request.
   * `controller` is the machine the page runs on: a second one stands for a new computer.
   */
  async attach(context: BrowserContext, page: Page, controller: EnrolmentController = this.controller): Promise<void> {
    await serveAppAsMain(context, RENDERER_DIR, this.origin);
    this.attached.set(page, controller);
    await bridgeToMain(page, (call) =>
      this.failingCalls.has(call.name)
        ? { ok: false, error: { code: 'internal', message: `${call.name} failed in main` } }
        : createDispatcher(this.controllerOf(page).handlers, this.origin, () => this.controllerOf(page).sessionDeadlines())(call),
    );
    await this.key.attach(await context.newCDPSession(page));
  }

  /** The credentials the virtual authenticator holds, private keys included: what a security key carries. */
  keyContents(): Promise<KeyCredential[]> {
    return this.key.contents();
  }

  /** Plugs a security key with these credentials into the current page (a key carried to another computer, or found). */
  plugKey(credentials: KeyCredential[], options: { alongside?: boolean } = {}): Promise<void> {
    return this.key.plug(credentials, options);
  }

  /** Chromium's virtual authenticator: 'internal' stands for a platform passkey, 'usb' for a security key. */
  addAuthenticator(options: AuthenticatorOptions): Promise<void> {
    return this.key.add(options);
  }

  async open(page: Page): Promise<void> {
    await page.goto(`${this.origin}/`);
  }

  async credentials(): Promise<CredentialRow[]> {
    return this.server.db.selectFrom('credentials').selectAll().execute();
  }

  async auditIntact(): Promise<boolean> {
    return (await verifyAuditChain(this.server.db)) === null;
  }
}
