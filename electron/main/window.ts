import { BrowserWindow, type Session } from 'electron';
import type { AppConfig } from './config.js';

/**
 * The only window factory: every window FirstKey opens gets these preferences
 * (Electron security checklist: isolation, sandbox, no Node, no remote content).
 */
export function createEnrolmentWindow(config: AppConfig, session: Session, preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 720,
    height: 760,
    minWidth: 480,
    minHeight: 560,
    show: false,
    title: 'FirstKey',
    kiosk: config.kiosk,
    autoHideMenuBar: true,
    webPreferences: {
      session,
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !process.env.FIRSTKEY_NO_DEVTOOLS,
    },
  });
  window.once('ready-to-show', () => window.show());
  return window;
}
