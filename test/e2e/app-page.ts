import type { BrowserContext, Page } from '@playwright/test';
import { IPC_CHANNELS, type IpcName } from '../../api/ipc-channels.js';
import { createRendererAssetHandler } from '../../electron/main/renderer-assets.js';

/** What main answers a page's call with, as the IPC gate would pass it back. */
export type MainInvoke = (call: { senderUrl: string; isMainFrame: boolean; name: IpcName; payload: unknown }) => unknown;

/** Serves the built renderer in `dir` under `origin` exactly as main does, and refuses every other request. */
export async function serveAppAsMain(context: BrowserContext, dir: string, origin: string): Promise<void> {
  const serve = createRendererAssetHandler(dir, origin);
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (new URL(request.url()).origin !== origin) return answerUnlessClosed(() => route.abort('blockedbyclient'));
    const response = await serve(new Request(request.url(), { method: request.method() }));
    await answerUnlessClosed(async () =>
      route.fulfill({
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: Buffer.from(await response.arrayBuffer()),
      }),
    );
  });
}

/**
 * Answers a routed request, unless its page or context closed while the answer was being made: nobody
 * waits for it then, and Playwright's refusal ("…has been closed", "…was not bound in the connection")
 * would otherwise surface as an error in the test's teardown. Any other failure still fails the test.
 */
export async function answerUnlessClosed(answer: () => Promise<void>): Promise<void> {
  try {
    await answer();
  } catch (error) {
    if (error instanceof Error && /has been closed|was not bound in the connection/.test(error.message)) return;
    throw error;
  }
}

/** Gives the page `window.firstkey` from a binding into `invoke`, as the preload's ipcRenderer.invoke would. */
export async function bridgeToMain(page: Page, invoke: MainInvoke): Promise<void> {
  await page.exposeBinding('__firstkeyInvoke', (source, name: IpcName, payload: unknown) =>
    invoke({ senderUrl: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame(), name, payload }),
  );
  await page.addInitScript((names: string[]) => {
    const bound = (window as unknown as { __firstkeyInvoke: (n: string, p: unknown) => Promise<unknown> }).__firstkeyInvoke;
    Object.defineProperty(window, 'firstkey', {
      value: Object.freeze(Object.fromEntries(names.map((n) => [n, (request?: unknown) => bound(n, request)]))),
    });
  }, Object.keys(IPC_CHANNELS));
}
