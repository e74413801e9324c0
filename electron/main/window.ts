import { BrowserWindow, type Session } from 'electron';
import type { AppConfig } from './config.js';
import { SECURE_WEB_PREFERENCES } from './web-preferences.js';

/** The only window factory: every window FirstKey opens gets the checklist's preferences. */
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
      ...SECURE_WEB_PREFERENCES,
      devTools: !process.env.FIRSTKEY_NO_DEVTOOLS,
    },
  });
  window.once('ready-to-show', () => {
    window.show();
  });
  return window;
}
