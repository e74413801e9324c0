/**
 * The renderer's preferences, from Electron's security checklist: isolated,
 * sandboxed, no Node anywhere, no webviews, no insecure content. Kept free of
 * Electron imports so the checklist is tested as data.
 */
export const SECURE_WEB_PREFERENCES = {
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
  experimentalFeatures: false,
  enableBlinkFeatures: '',
} as const;

/**
 * The renderer's session partition. No `persist:` prefix: Chromium keeps it in
 * memory only, so nothing a person types or the page stores reaches the disk.
 */
export const RENDERER_PARTITION = 'firstkey';

/** The kiosk's print window: in memory too, and shared with nothing. */
export const PRINT_PARTITION = 'firstkey-print';

/** The print window shows one static page: no script, no preload, no DevTools. */
export const PRINT_WEB_PREFERENCES = {
  ...SECURE_WEB_PREFERENCES,
  partition: PRINT_PARTITION,
  javascript: false,
  devTools: false,
  images: false,
} as const;
