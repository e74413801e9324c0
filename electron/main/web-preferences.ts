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
