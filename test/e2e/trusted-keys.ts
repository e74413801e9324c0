import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContextOptions, Page } from '@playwright/test';
import { createMdsWorld } from '../support/make-mds-blob.js';
import { FirstKeyHarness } from './harness.js';

/** Chromium's virtual security key, listed in the operator's metadata as an approved model (test/fixtures). */
const VIRTUAL_KEY_AAGUID = '01020304-0506-0708-0102-030405060708';

/**
 * A harness whose operator trusts Chromium's virtual security key: its attestation chains to a root the
 * metadata lists, so tiers that demand trusted attestation (the built-in policy's admins) accept it.
 */
export async function trustedStack(): Promise<{ fk: FirstKeyHarness; cleanup: () => void }> {
  const world = createMdsWorld();
  const batch = new X509Certificate(readFileSync('test/fixtures/chromium-virtual-authenticator-attestation.pem'));
  const blob = await world.makeBlob({
    entries: [
      {
        aaguid: VIRTUAL_KEY_AAGUID,
        description: 'Chromium virtual security key',
        roots: [new Uint8Array(batch.raw)],
        statusReports: [{ status: 'FIDO_CERTIFIED' }],
      },
    ],
  });
  const fk = new FirstKeyHarness();
  // The built-in policy: admins are privileged, and their keys need attestation the metadata trusts.
  await fk.start({ mdsBlobFile: world.writeFile('blob.jwt', blob), mdsRootFile: world.writeFile('root.pem', world.fidoRoot.pem) });
  return {
    fk,
    cleanup: () => {
      world.cleanup();
    },
  };
}

/**
 * Runs `story` on a trustedStack() with the app in its own window of `browser` (sized by `window`), then closes the window,
 * stops the stack and removes its metadata files, whether the story passed or not.
 */
export async function withTrustedStack(
  browser: Browser,
  story: (fk: FirstKeyHarness, page: Page) => Promise<void>,
  window: BrowserContextOptions = {},
): Promise<void> {
  const { fk, cleanup } = await trustedStack();
  const context = await browser.newContext(window);
  const page = await context.newPage();
  try {
    await fk.attach(context, page);
    await story(fk, page);
  } finally {
    await context.close();
    await fk.stop();
    cleanup();
  }
}
