import { expect, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { DEMO_CONSOLE_ORIGIN } from '../../api/defaults.js';
import { answerUnlessClosed } from './app-page.js';
import type { FirstKeyHarness, KeyCredential } from './harness.js';

export { keyContents } from './virtual-key.js';

/** The help-desk console as an agent's browser sees it: its https origin, served by the real server. */
export const CONSOLE_ORIGIN = DEMO_CONSOLE_ORIGIN;

/** Hop-by-hop and connection headers a proxy does not pass on. */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * One agent's browser: its own context, where https://console.enrol.firstkey.test is routed to the
 * real verification server over HTTP (as a TLS-terminating proxy would), every other origin refused,
 * and the agent's security key in Chromium's virtual authenticator.
 */
export class AgentBrowser {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly cdp: CDPSession,
    private authenticatorId: string | null,
  ) {}

  static async open(browser: Browser, fk: FirstKeyHarness, width = 1280): Promise<AgentBrowser> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-GB' });
    await context.route('**/*', async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      if (url.origin !== CONSOLE_ORIGIN) return answerUnlessClosed(() => route.abort('blockedbyclient'));
      const headers = Object.fromEntries(Object.entries(await request.allHeaders()).filter(([name]) => !NOT_FORWARDED.has(name)));
      const body = request.postDataBuffer();
      const response = await fetch(`${fk.server.url}${url.pathname}${url.search}`, {
        method: request.method(),
        headers,
        redirect: 'manual',
        ...(body ? { body: new Uint8Array(body) } : {}),
      });
      await answerUnlessClosed(async () =>
        route.fulfill({
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: Buffer.from(await response.arrayBuffer()),
        }),
      );
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    return new AgentBrowser(context, page, cdp, null);
  }

  /** An agent signed in to the console with their own key, on the request queue. */
  static async signedIn(browser: Browser, fk: FirstKeyHarness, username: string, key: KeyCredential[]): Promise<AgentBrowser> {
    const agent = await AgentBrowser.open(browser, fk);
    await agent.plugKey(key);
    await agent.signIn(username);
    await expect(agent.page.getByRole('heading', { name: 'Recovery requests' })).toBeVisible();
    return agent;
  }

  /** The agent's security key, with the credential they registered through FirstKey ('internal': a passkey on this computer). */
  async plugKey(credentials: KeyCredential[], transport: 'usb' | 'internal' = 'usb'): Promise<void> {
    if (this.authenticatorId) await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.authenticatorId });
    const { authenticatorId } = await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport,
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    this.authenticatorId = authenticatorId;
    for (const credential of credentials) await this.cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  }

  async goto(): Promise<void> {
    await this.page.goto(`${CONSOLE_ORIGIN}/console/`);
  }

  async signIn(username: string): Promise<void> {
    await this.goto();
    await this.page.getByLabel('Your username').fill(username);
    await this.page.getByRole('button', { name: 'Sign in with your security key or passkey' }).click();
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
