import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from '@playwright/test';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../api/defaults.js';
import { IPC_CHANNELS, type IpcName } from '../../api/ipc-channels.js';
import { createApiClient } from '../../electron/main/api-client.js';
import { deviceKeyAccount, DEVICE_KEY_SERVICE } from '../../electron/main/device/device-key.js';
import { createLinkReceiver, type LinkReceiver } from '../../electron/main/deep-link.js';
import { collectDiagnostics, createDiagnosticsExport, saveToChosenFile } from '../../electron/main/diagnostics.js';
import { deviceKeyLoader } from '../../electron/main/device/device-identity.js';
import { readRecordedThumbprint } from '../../electron/main/device/thumbprint-record.js';
import { createProofSigner } from '../../electron/main/device/dpop-proof.js';
import { KeytarSecretStore, lazyKeytar, loadNapiKeyring } from '../../electron/main/device/secret-store.js';
import { collectDeviceSignals } from '../../electron/main/device/signals.js';
import { readPosture } from '../../electron/main/posture/read.js';
import { reportingPosture } from '../../electron/main/posture/report.js';
import type { DevicePosture } from '../../api/posture.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { pendingRequestStore } from '../../electron/main/recovery/pending-request.js';
import { createKioskHost, type KioskHost } from '../../electron/main/kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore, OPERATOR_PIN_SERVICE } from '../../electron/main/kiosk/operator-pin.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import type { HidBus } from '../../electron/main/ctap2/transport.js';
import { nativeKeySupport } from '../../electron/main/native-webauthn/support.js';
import { createRendererAssetHandler } from '../../electron/main/renderer-assets.js';
import { createLogger, readRecentLogLines } from '../../electron/main/log/logger.js';
import { runAdmin } from '../../server/admin/cli.js';
import { verifyAuditChain } from '../../server/audit.js';
import { ServerConfig } from '../../server/config.js';
import type { CredentialRow, DeviceRow } from '../../server/db/schema.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';

/** `value`, or a failure that names what was missing (instead of a non-null assertion). */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}

/** One API call as it crossed the wire. */
export interface WireRecord {
  authorization: string | null;
  dpop: string | null;
  requestBody: string | null;
  responseBody: string;
}

/** A credential as Chromium's virtual authenticator exports it (DevTools protocol WebAuthn.Credential). */
export interface KeyCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** What a kiosk station's host did, in place of Electron's printer, window and quit. */
export interface KioskRecord {
  /** Each set of recovery codes sent to the station's printer. */
  prints: string[][];
  /** Each wipe, in order: the window's page blanked, its storage cleared, the clipboard cleared, the start screen loaded. */
  wipes: string[][];
  exits: number;
}

export const RENDERER_DIR = join(process.cwd(), 'dist', 'renderer');

export interface AuthenticatorOptions {
  transport: 'internal' | 'usb';
  /** false: the key waits for a touch that never comes, as when the person walks away. */
  touched?: boolean;
  /** Keep the authenticator already there (a security key plugged into a computer with a platform authenticator). */
  alongside?: boolean;
  /** A passkey that syncs to other devices (backup eligible and backed up), as a password manager's would. */
  synced?: boolean;
}

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
  private cdp: CDPSession | null = null;
  private authenticatorId: string | null = null;
  /** Each device's installation: its keychain account and its user data directory (app.getPath('userData')). */
  private readonly machines = new Map<EnrolmentController, { installationId: string; userData: string; kiosk: boolean }>();
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
    const contents = key.credentials.map((credential) => ({
      credentialId: Buffer.from(credential.id, 'base64url').toString('base64'),
      isResidentCredential: false,
      rpId: credential.rpId,
      privateKey: credential.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
      userHandle: Buffer.from(credential.userHandle, 'base64url').toString('base64'),
      signCount: credential.signCount,
    }));
    return { key, contents };
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

  /** main's kiosk host (index.ts builds the same from Electron's objects): real PIN store and wipe order. */
  private kioskHost(installationId: string, controller: () => EnrolmentController, record: KioskRecord): KioskHost {
    let steps: string[] = [];
    // Electron's clipboard.clear empties the system clipboard at once; the page's (Chromium's) is emptied
    // once a page of the origin is back, the first moment this browser lets anything write to it.
    let clipboardToClear = false;
    const host = createKioskHost({
      access: createOperatorAccess(createOperatorPinStore({ store: this.store, account: installationId })),
      print: {
        openPrintWindow: () => {
          throw new Error('printing goes to the record in these tests');
        },
        locale: 'en',
      },
      renderer: {
        loadURL: async (url) => {
          steps.push(`load ${url}`);
          await this.pageOf(controller()).goto(url);
        },
        session: {
          clearData: async () => {
            steps.push('clearData');
            const page = this.pageOf(controller());
            await page.context().clearCookies();
            const cdp = await page.context().newCDPSession(page);
            await cdp.send('Storage.clearDataForOrigin', { origin: this.origin, storageTypes: 'all' });
            await cdp.detach();
          },
          clearStorageData: () => Promise.resolve(),
          clearCache: () => Promise.resolve(),
        },
        clearClipboard: () => {
          steps.push('clearClipboard');
          this.clipboardCleared += 1;
          clipboardToClear = true;
        },
        restart: () => {
          steps.push('restart');
        },
      },
      startUrl: `${this.origin}/`,
      quit: () => {
        record.exits += 1;
      },
    });
    return {
      ...host,
      printRecoveryCodes: (codes) => {
        record.prints.push([...codes]);
        return Promise.resolve({ printed: true });
      },
      wipe: async () => {
        steps = [];
        record.wipes.push(steps);
        // A security key stays plugged into the station across the wipe; Chromium's virtual one goes
        // with the page's process when it loads about:blank, so it is plugged back in, unchanged.
        const carried = this.authenticatorId ? await this.keyContents() : [];
        await host.wipe();
        if (clipboardToClear) {
          clipboardToClear = false;
          await this.pageOf(controller())
            .evaluate(() => navigator.clipboard.writeText(''))
            .catch(() => undefined);
        }
        if (carried.length > 0) {
          await present(this.cdp, 'an attached page').send('WebAuthn.enable');
          this.authenticatorId = null;
          await this.plugKey(carried);
        }
      },
    };
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

  /** main's own security-key path (index.ts wires node-hid): a software USB bus and the OS it stands for, once useNativeKeys() is called. */
  private nativeKeyBus: { bus: HidBus; platform: NodeJS.Platform; touchId: 'configured' | 'unconfigured' | null } | null = null;

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
    const before = this.controllerOf(page);
    const controller = this.run(this.machineOf(before));
    if (before === this.controller) this.controller = controller;
    this.attached.set(page, controller);
    return controller;
  }

  /** Times main cleared the clipboard (Electron's clipboard.clear); the page's own clipboard is checked by the spec. */
  clipboardCleared = 0;

  /** One run of the app on a machine: main's real loader, signer, client, controller and diagnostics export. */
  private run(machine: { installationId: string; userData: string; kiosk: boolean }): EnrolmentController {
    const loader = deviceKeyLoader(this.store, machine.installationId, machine.userData);
    // The app's clock moves with the server's: a test that skips time skips it everywhere.
    const signProof = createProofSigner(loader, () => this.clock.now().getTime());
    const exportDiagnostics = createDiagnosticsExport({
      collect: () =>
        collectDiagnostics({
          versions: { app: '0.1.0-test', node: process.versions.node },
          config: { serverUrl: this.server.url, enrolmentOrigin: this.origin, kiosk: machine.kiosk },
          readRecentLogLines: () => readRecentLogLines(this.logDir, 200),
          secretStore: this.store,
          serverUrl: this.server.url,
          deviceKeyThumbprint: () => readRecordedThumbprint(machine.userData, machine.installationId),
        }),
      save: saveToChosenFile((name) => Promise.resolve(join(this.diagnosticsDir, name))),
    });
    const record: KioskRecord = { prints: [], wipes: [], exits: 0 };
    const kiosk = machine.kiosk ? { kiosk: this.kioskHost(machine.installationId, () => controller, record) } : {};
    const controller: EnrolmentController = new EnrolmentController(
      // As index.ts wires it: the posture read afresh for each request that carries the device's signals.
      reportingPosture(createApiClient({ baseUrl: this.server.url, signProof, logger: this.logger, fetch: this.recordingFetch }), () =>
        this.posture(),
      ),
      collectDeviceSignals('0.1.0-test', machine.kiosk),
      {
        deviceKey: loader,
        exportDiagnostics,
        ...kiosk,
        // As index.ts wires it: the filed help-desk request in this machine's user data, bound to its device key.
        pendingRequest: pendingRequestStore({ dir: machine.userData, thumbprint: async () => (await loader()).thumbprint }),
        helpDeskContact: this.helpDeskContact,
        ...(this.nativeKeyBus
          ? {
              nativeKeys: nativeKeySupport({
                ...this.nativeKeyBus,
                origin: this.origin,
                kiosk: machine.kiosk,
                logger: this.logger,
              }),
            }
          : {}),
      },
    );
    this.machines.set(controller, machine);
    if (machine.kiosk) this.kioskRecords.set(controller, record);
    return controller;
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
    const before = this.controllerOf(page);
    const controller = this.run(this.machineOf(before));
    if (before === this.controller) this.controller = controller;
    this.attached.set(page, controller);
    await page.reload();
    return controller;
  }

  /** The network as main sees it, with every request's headers and both bodies kept for the log check. */
  private readonly recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const headers = new Headers(init?.headers);
    this.wire.push({
      authorization: headers.get('authorization'),
      dpop: headers.get('dpop'),
      requestBody: typeof init?.body === 'string' ? init.body : null,
      responseBody: await response.clone().text(),
    });
    return response;
  };

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
    const serve = createRendererAssetHandler(RENDERER_DIR, this.origin);
    await context.route('**/*', async (route) => {
      const request = route.request();
      if (new URL(request.url()).origin !== this.origin) return route.abort('blockedbyclient');
      const response = await serve(new Request(request.url(), { method: request.method() }));
      return route.fulfill({
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: Buffer.from(await response.arrayBuffer()),
      });
    });
    this.attached.set(page, controller);
    await page.exposeBinding('__firstkeyInvoke', (source, name: IpcName, payload: unknown) =>
      this.failingCalls.has(name)
        ? { ok: false, error: { code: 'internal', message: `${name} failed in main` } }
        : createDispatcher(this.controllerOf(page).handlers, this.origin, () => this.controllerOf(page).sessionDeadlines())({
            senderUrl: source.frame.url(),
            isMainFrame: source.frame === source.page.mainFrame(),
            name,
            payload,
          }),
    );
    await page.addInitScript((names: string[]) => {
      const invoke = (window as unknown as { __firstkeyInvoke: (n: string, p: unknown) => Promise<unknown> }).__firstkeyInvoke;
      Object.defineProperty(window, 'firstkey', {
        value: Object.freeze(Object.fromEntries(names.map((n) => [n, (request?: unknown) => invoke(n, request)]))),
      });
    }, Object.keys(IPC_CHANNELS));
    this.cdp = await context.newCDPSession(page);
    this.authenticatorId = null;
    await this.cdp.send('WebAuthn.enable');
  }

  /** The credentials a virtual authenticator holds, private keys included: what a security key carries. */
  async keyContents(): Promise<KeyCredential[]> {
    if (!this.cdp || !this.authenticatorId) throw new Error('no authenticator');
    return (await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId })).credentials;
  }

  /** Plugs a security key with these credentials into the current page (a key carried to another computer, or found). */
  async plugKey(credentials: KeyCredential[], options: { alongside?: boolean } = {}): Promise<void> {
    await this.addAuthenticator({ transport: 'usb', ...options });
    const cdp = present(this.cdp, 'an attached page');
    const authenticatorId = present(this.authenticatorId, 'a virtual authenticator');
    for (const credential of credentials) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    }
  }

  /** Chromium's virtual authenticator: 'internal' stands for a platform passkey, 'usb' for a security key. */
  async addAuthenticator(options: AuthenticatorOptions): Promise<void> {
    if (!this.cdp) throw new Error('attach a page first');
    if (this.authenticatorId && !options.alongside)
      await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.authenticatorId });
    const { authenticatorId } = await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: options.transport,
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: options.touched ?? true,
        ...(options.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
      },
    });
    this.authenticatorId = authenticatorId;
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
