import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session as electronSession } from 'electron';
import { createApiClient } from './api-client.js';
import { appConfigFromEnv } from './config.js';
import { createLinkReceiver, focusWindow, LINK_SCHEME } from './deep-link.js';
import { deviceKeyLoader } from './device/device-identity.js';
import { createProofSigner } from './device/dpop-proof.js';
import { KeytarSecretStore } from './device/secret-store.js';
import { collectDeviceSignals } from './device/signals.js';
import { EnrolmentController } from './enrolment-controller.js';
import { createTranslator, type Translate } from './i18n/index.js';
import { createDispatcher } from './ipc/dispatcher.js';
import { registerIpc } from './ipc/register.js';
import { createLogger, type FileLogger } from './log/logger.js';
import { API_PARTITION, configureApiSession } from './network/api-session.js';
import { createRendererAssetHandler } from './renderer-assets.js';
import { findDebuggingSwitch, lockDownSession, lockDownWebContents, removeDeveloperMenu } from './security.js';
import { DebuggingSwitchError, failStartup } from './startup-error.js';
import { createEnrolmentWindow, recoverFromRendererLoss } from './window.js';

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

  // eslint-disable-next-line @typescript-eslint/no-deprecated -- until the lead wires loadAppConfig (helper B); startup-error.ts reads both loaders' errors
  const config = appConfigFromEnv(process.env);
  logger.info('app.started', {
    appVersion: app.getVersion(),
    electronVersion: process.versions.electron,
    platform: process.platform,
    arch: process.arch,
    packaged: production,
    kiosk: config.kiosk,
  });
  removeDeveloperMenu(production);
  lockDownWebContents(config.enrolmentOrigin, { production });

  // API calls: Electron's net stack (system proxy, PAC, OS trust store) on a session of their own.
  const apiFetch = await configureApiSession(electronSession.fromPartition(API_PARTITION), { serverUrl: config.serverUrl, logger });
  const loadDeviceKey = deviceKeyLoader(new KeytarSecretStore(), new URL(config.enrolmentOrigin).host, app.getPath('userData'));
  const controller = new EnrolmentController(
    createApiClient({ baseUrl: config.serverUrl, signProof: createProofSigner(loadDeviceKey), fetch: apiFetch, logger }),
    collectDeviceSignals(app.getVersion(), config.kiosk),
  );
  offerCode = (code) => {
    controller.offerLaunchCode(code);
  };
  if (earlyCode) offerCode(earlyCode);

  // The renderer: an in-memory partition, so nothing of an enrolment outlives the app.
  const session = electronSession.fromPartition('firstkey');
  lockDownSession(session, config.enrolmentOrigin);
  session.protocol.handle('https', createRendererAssetHandler(rendererDir, config.enrolmentOrigin));
  const startUrl = `${config.enrolmentOrigin}/`;
  const window = createEnrolmentWindow(config, session, preloadPath);
  enrolmentWindow = window;
  registerIpc(createDispatcher(controller.handlers, config.enrolmentOrigin), window.webContents);
  recoverFromRendererLoss(window, {
    startUrl,
    abandonSession: (reason, exitCode) => {
      logger.warn('renderer.gone', { reason, exitCode });
      void controller.handlers.endSession(undefined);
    },
    giveUp: () => {
      dialog.showErrorBox(t('renderer.goneTitle'), t('renderer.gone'));
      app.exit(1);
    },
  });
  window.loadURL(startUrl).catch((error: unknown) => {
    logger.error('window.load_failed', { errorName: error instanceof Error ? error.name : 'unknown' });
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.setAsDefaultProtocolClient(LINK_SCHEME);
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
