import type { FirstKeyBridge } from '../../api/ipc';

declare global {
  interface Window {
    /** Exposed by the preload (electron/preload) or, in tests, by the harness: the same contract. */
    firstkey?: FirstKeyBridge;
  }
}

export function getBridge(): FirstKeyBridge {
  if (!window.firstkey) throw new Error('FirstKey must run inside its desktop app: the bridge to the main process is missing.');
  return window.firstkey;
}
