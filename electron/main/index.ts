import { fileURLToPath } from 'node:url';
import { app, session as electronSession } from 'electron';
import { createApiClient } from './api-client.js';
import { appConfigFromEnv } from './config.js';
import { codeFromLink, LINK_SCHEME, linkFromArgv } from './deep-link.js';
import { deviceKeyLoader } from './device/device-identity.js';
import { createProofSigner } from './device/dpop-proof.js';
import { KeytarSecretStore } from './device/secret-store.js';
import { collectDeviceSignals } from './device/signals.js';
import { EnrolmentController } from './enrolment-controller.js';
import { createDispatcher } from './ipc/dispatcher.js';
import { registerIpc } from './ipc/register.js';
import { createRendererAssetHandler } from './renderer-assets.js';
import { lockDownSession, lockDownWebContents } from './security.js';
import { createEnrolmentWindow } from './window.js';

// Composition root: everything the app is made of is wired here and nowhere else.
const config = appConfigFromEnv(process.env);
const rendererDir = fileURLToPath(new URL('../../renderer/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const loadDeviceKey = deviceKeyLoader(new KeytarSecretStore(), new URL(config.enrolmentOrigin).host);
const controller = new EnrolmentController(
  createApiClient({ baseUrl: config.serverUrl, signProof: createProofSigner(loadDeviceKey) }),
  collectDeviceSignals(app.getVersion(), config.kiosk),
);

function acceptLink(link: string | null): void {
  const code = link ? codeFromLink(link) : null;
  if (code) controller.offerLaunchCode(code);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.setAsDefaultProtocolClient(LINK_SCHEME);
  acceptLink(linkFromArgv(process.argv));
  app.on('second-instance', (_event, argv) => {
    acceptLink(linkFromArgv(argv));
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    acceptLink(url);
  });
  lockDownWebContents(config.enrolmentOrigin);
  app.on('window-all-closed', () => {
    app.quit();
  });

  void app.whenReady().then(() => {
    // An in-memory partition: nothing of an enrolment outlives the app.
    const session = electronSession.fromPartition('firstkey');
    lockDownSession(session);
    session.protocol.handle('https', createRendererAssetHandler(rendererDir, config.enrolmentOrigin));
    const window = createEnrolmentWindow(config, session, preloadPath);
    registerIpc(createDispatcher(controller.handlers, config.enrolmentOrigin), window.webContents);
    void window.loadURL(`${config.enrolmentOrigin}/`);
  });
}
