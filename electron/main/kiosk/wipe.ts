// One person at a time: what is left of a person in the renderer goes before
// the next one sits down. Plain Node over a small port; index.ts hands it the
// enrolment window and its session.

/** A page that holds nothing and runs nothing of ours. */
export const BLANK_PAGE = 'about:blank';

export interface WipeTarget {
  /** The enrolment window's page. */
  loadURL(url: string): Promise<void>;
  /** The renderer's (in-memory) partition. */
  readonly session: {
    clearData(): Promise<void>;
    clearStorageData(): Promise<void>;
    clearCache(): Promise<void>;
  };
  /** Whatever the person copied (their code, their name) is not for the next one. */
  clearClipboard(): void;
  /** The last resort when storage cannot be cleared: a fresh process, whose in-memory partition starts empty. */
  restart(): void;
}

/**
 * The renderer's part of a reset, after the controller has ended the server
 * session: the page goes first (its state, and anything it could still write),
 * then the partition's storage and the clipboard, then the start screen.
 */
export async function wipeRenderer(target: WipeTarget, startUrl: string): Promise<void> {
  await target.loadURL(BLANK_PAGE);
  try {
    await target.session.clearData();
  } catch {
    // clearData is Electron 31+; should it fail, the older pair clears the same storage and cache.
    try {
      await Promise.all([target.session.clearStorageData(), target.session.clearCache()]);
    } catch {
      target.restart();
      return;
    }
  }
  target.clearClipboard();
  await target.loadURL(startUrl);
}
