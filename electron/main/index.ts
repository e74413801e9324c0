import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, clipboard, dialog, session as electronSession, type Session } from 'electron';
import { createApiClient } from './api-client.js';
import { loadAppConfig, type AppConfig } from './config.js';
import { createLinkReceiver, focusWindow, LINK_SCHEME } from './deep-link.js';
import { deviceKeyLoader } from './device/device-identity.js';
import { createProofSigner } from './device/dpop-proof.js';
import { KeytarSecretStore, type SecretStore } from './device/secret-store.js';
import { collectDeviceSignals } from './device/signals.js';
import { readPosture } from './posture/read.js';
import { reportingPosture } from './posture/report.js';
import { readRecordedThumbprint } from './device/thumbprint-record.js';
import { collectDiagnostics, createDiagnosticsExport, saveToChosenFile } from './diagnostics.js';
import { EnrolmentController, type ControllerOptions } from './enrolment-controller.js';
import { pendingRequestStore } from './recovery/pending-request.js';
import { createTranslator, type Translate } from './i18n/index.js';
import { nodeHidBus } from './ctap2/index.js';
import { createDispatcher } from './ipc/dispatcher.js';
import { registerIpc } from './ipc/register.js';
import { createKioskHost, type KioskHost } from './kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore } from './kiosk/operator-pin.js';
import { createLogger, readRecentLogLines, type FileLogger, type Logger } from './log/logger.js';
import { API_PARTITION, configureApiSession } from './network/api-session.js';
import { keychainAccessGroupOf, nativeKeySupport } from './native-webauthn/support.js';
import { configurePlatformAuthenticators } from './platform-authenticators.js';
import { createRendererAssetHandler } from './renderer-assets.js';
import { findDebuggingSwitch, lockDownSession, lockDownWebContents, removeDeveloperMenu } from './security.js';
import { DebuggingSwitchError, failStartup } from './startup-error.js';
import { startUpdates } from './updates.js';
import { RENDERER_PARTITION } from './web-preferences.js';
import { createEnrolmentWindow, lockDownKioskWindow, openPrintWindow, recoverFromRendererLoss } from './window.js';

// Composition root: everything the app is made of is wired here and nowhere else.
// Nothing at module level may throw: whatever can fail runs in start(), whose
// failure becomes a plain dialog and an exit, never a stack trace and a zombie.
const rendererDir = fileURLToPath(new URL('../../renderer/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

let enrolmentWindow: BrowserWindow | null = null;
let offerCode: ((code: string) => void) | null = null;
let earlyCode: string | null = null;
const links = createLinkReceiver({
  // A link can arrive before the controller exists (the launch command line, macOS open-url before ready).
  deliver: (code) => {
    if (offerCode) offerCode(code);
    else earlyCode = code;
  },
  focusWindow: () => {
    focusWindow(enrolmentWindow);
  },
});

async function start(logger: FileLogger, t: Translate): Promise<void> {
  const production = app.isPackaged;
  const debuggingSwitch = production ? findDebuggingSwitch(process.argv, (name) => app.commandLine.hasSwitch(name)) : null;
  if (debuggingSwitch) throw new DebuggingSwitchError(debuggingSwitch);

  // Managed configuration (policy, then the person, then the environment): a bad value stops here, named.
  const config = await loadAppConfig({ packaged: production, platform: process.platform, env: process.env });
  logger.setLevel(config.logLevel);
  logger.info('app.started', {
    appVersion: app.getVersion(),
    electronVersion: process.versions.electron,
    platform: process.platform,
    arch: process.arch,
    packaged: production,
    kiosk: config.kiosk,
  });
  // A kiosk station is locked down as a packaged build is, even when run from source.
  removeDeveloperMenu(production || config.kiosk);
  lockDownWebContents(config.enrolmentOrigin, { production: production || config.kiosk });

  // API calls: Electron's net stack (system proxy, PAC, OS trust store) on a session of their own.
  const apiFetch = await configureApiSession(electronSession.fromPartition(API_PARTITION), {
    serverUrl: config.serverUrl,
    extraCaCertificates: config.extraCaCertificates,
    logger,
  });
  const secretStore = new KeytarSecretStore();
  const installationId = new URL(config.enrolmentOrigin).host;
  const userData = app.getPath('userData');
  const loadDeviceKey = deviceKeyLoader(secretStore, installationId, userData);

  // The renderer: an in-memory partition, so nothing of an enrolment outlives the app.
  const session = electronSession.fromPartition(RENDERER_PARTITION);
  lockDownSession(session, config.enrolmentOrigin, { kiosk: config.kiosk });
  session.protocol.handle('https', createRendererAssetHandler(rendererDir, config.enrolmentOrigin));
  const startUrl = `${config.enrolmentOrigin}/`;
  const window = createEnrolmentWindow(config, session, preloadPath);
  enrolmentWindow = window;
  const kiosk = config.kiosk ? kioskHost({ window, session, startUrl, secretStore, installationId, logger }) : undefined;
  // Security keys where Electron cannot ask for their PIN (macOS, Linux), Touch ID passkeys on a Mac (README "WebAuthn inside Electron").
  const nativeKeys = nativeKeySupport({
    platform: process.platform,
    origin: config.enrolmentOrigin,
    kiosk: config.kiosk,
    touchId: configurePlatformAuthenticators({
      platform: process.platform,
      app,
      session,
      keychainAccessGroup: keychainAccessGroupOf(readPackageJson()),
      kiosk: config.kiosk,
      logger,
    }),
    bus: nodeHidBus(),
    logger,
  });

  // A station offers no diagnostics export: saving it opens a file dialog on a shared machine.
  const options: ControllerOptions = kiosk
    ? { deviceKey: loadDeviceKey, kiosk, nativeKeys }
    : {
        deviceKey: loadDeviceKey,
        nativeKeys,
        exportDiagnostics: diagnosticsExport(config, { apiFetch, secretStore, userData, installationId }, t),
        // A help-desk request outlives the app's run, bound to this computer's key.
        pendingRequest: pendingRequestStore({ dir: userData, thumbprint: async () => (await loadDeviceKey()).thumbprint }),
        helpDeskContact: config.helpDeskContact,
      };
  const controller = new EnrolmentController(
    // The device's posture is read afresh for each request that carries its signals (posture/report.ts).
    reportingPosture(
      createApiClient({ baseUrl: config.serverUrl, signProof: createProofSigner(loadDeviceKey), fetch: apiFetch, logger }),
      () => readPosture(),
    ),
    // kind 'kiosk' is for display and the audit trail only: the server knows a station by its registered key.
    collectDeviceSignals(app.getVersion(), config.kiosk),
    options,
  );
  offerCode = (code) => {
    controller.offerLaunchCode(code);
  };
  if (earlyCode) offerCode(earlyCode);

  registerIpc(
    createDispatcher(controller.handlers, config.enrolmentOrigin, () => controller.sessionDeadlines()),
    window.webContents,
  );
  let sessionEnded: Promise<unknown> = Promise.resolve();
  recoverFromRendererLoss(window, {
    startUrl,
    abandonSession: (reason, exitCode) => {
      logger.warn('renderer.gone', { reason, exitCode });
      sessionEnded = controller.handlers.endSession(undefined);
    },
    // On a station a lost page is a finished turn: the server session ends first, then main forgets
    // the person (their printable codes too) and the partition is wiped, as at any reset.
    ...(kiosk
      ? {
          reload: async () => {
            await sessionEnded;
            await controller.handlers.resetStation(undefined).catch((error: unknown) => {
              logger.error('kiosk.reset_failed', { errorName: error instanceof Error ? error.name : 'unknown' });
            });
          },
        }
      : {}),
    giveUp: () => {
      if (kiosk) {
        // Quitting would leave the station's desktop open to whoever is at it: start again instead.
        logger.error('kiosk.renderer_relaunch');
        app.relaunch();
        app.exit(1);
        return;
      }
      dialog.showErrorBox(t('renderer.goneTitle'), t('renderer.gone'));
      app.exit(1);
    },
  });
  window.loadURL(startUrl).catch((error: unknown) => {
    logger.error('window.load_failed', { errorName: error instanceof Error ? error.name : 'unknown' });
  });
  void startUpdates(config.updates, {
    loadUpdater: async () => (await import('electron-updater')).autoUpdater,
    log: logger,
    isPackaged: production,
    platform: process.platform,
    resourcesPath: process.resourcesPath,
  });
}

/** The packaged package.json (in the ASAR), where a signed build records what only it knows; {} when unreadable. */
function readPackageJson(): unknown {
  try {
    return JSON.parse(readFileSync(join(app.getAppPath(), 'package.json'), 'utf8'));
  } catch {
    return {};
  }
}

/** The station's side of kiosk mode: the locked window, the operator's PIN, printing and the wipe. */
function kioskHost(deps: {
  window: BrowserWindow;
  session: Session;
  startUrl: string;
  secretStore: SecretStore;
  installationId: string;
  logger: Logger;
}): KioskHost {
  const { window, logger } = deps;
  const lock = lockDownKioskWindow(window);
  return createKioskHost({
    access: createOperatorAccess(createOperatorPinStore({ store: deps.secretStore, account: deps.installationId })),
    print: {
      openPrintWindow,
      locale: app.getLocale(),
      onFailure: (reason) => {
        logger.warn('kiosk.print_failed', { reason });
      },
    },
    renderer: {
      loadURL: (url) => window.loadURL(url),
      session: deps.session,
      clearClipboard: () => {
        clipboard.clear();
      },
      restart: () => {
        logger.error('kiosk.wipe_failed');
        app.relaunch();
        app.exit(0);
      },
    },
    startUrl: deps.startUrl,
    quit: () => {
      logger.info('kiosk.exited');
      lock.release();
      app.quit();
    },
  });
}

/** "Export diagnostics": the help desk's report, saved where the person chooses. */
function diagnosticsExport(
  config: AppConfig,
  deps: { apiFetch: typeof fetch; secretStore: KeytarSecretStore; userData: string; installationId: string },
  t: Translate,
) {
  return createDiagnosticsExport({
    collect: () =>
      collectDiagnostics({
        versions: {
          app: app.getVersion(),
          electron: process.versions.electron,
          chrome: process.versions.chrome,
          node: process.versions.node,
        },
        config: { ...config },
        readRecentLogLines: () => readRecentLogLines(app.getPath('logs'), 200),
        secretStore: deps.secretStore,
        serverUrl: config.serverUrl,
        fetch: deps.apiFetch,
        deviceKeyThumbprint: () => readRecordedThumbprint(deps.userData, deps.installationId),
      }),
    save: saveToChosenFile(async (name) => {
      const options = {
        title: t('diagnostics.saveTitle'),
        defaultPath: join(app.getPath('downloads'), name),
        filters: [{ name: t('diagnostics.fileType'), extensions: ['txt'] }],
      };
      const chosen = enrolmentWindow ? await dialog.showSaveDialog(enrolmentWindow, options) : await dialog.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
    }),
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Installed builds register firstkey: at install time (NSIS per machine, Info.plist, the deb's
  // .desktop file); a per-user registration here would shadow the machine's and outlive an uninstall.
  if (!app.isPackaged && process.argv[1]) {
    app.setAsDefaultProtocolClient(LINK_SCHEME, process.execPath, [resolve(process.argv[1]), '--']);
  }
  links.fromLaunchArgv(process.argv);
  app.on('second-instance', (_event, argv) => {
    links.fromSecondInstance(argv);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    links.fromOpenUrl(url);
  });
  app.on('window-all-closed', () => {
    app.quit();
  });
  void app.whenReady().then(async () => {
    // Both need the app ready (the locale on Windows; the dialog on Linux shows only after ready).
    const t = createTranslator(app.getLocale());
    const logger = createLogger({ dir: app.getPath('logs') });
    try {
      await start(logger, t);
    } catch (error) {
      failStartup(
        {
          t,
          logger,
          showErrorBox: (title, content) => {
            dialog.showErrorBox(title, content);
          },
          exit: (code) => {
            app.exit(code);
          },
        },
        error,
      );
    }
  });
}
