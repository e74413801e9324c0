import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

/**
 * Counting a person's deliberate actions in the real page: each trusted click on something that
 * does something (button, link, radio, checkbox, select), each touch of a key (a WebAuthn ceremony
 * that returned), and each PIN typed into a security key's prompt (a ceremony on a roaming key that
 * requires user verification: the OS, or FirstKey's own prompt, asks for it). Typing into a field is
 * not counted on its own: the button that sends it is.
 */
export interface ActionLog {
  clicks: string[];
  touches: number;
  pins: number;
}

declare global {
  interface Window {
    __firstkeyActions?: ActionLog;
  }
}

/** Installs the counter before the page's own scripts run; counts from page load on. */
export async function countActions(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log: ActionLog = { clicks: [], touches: 0, pins: 0 };
    window.__firstkeyActions = log;
    let lastClick = 0;
    document.addEventListener(
      'click',
      (event) => {
        const target =
          event.target instanceof Element
            ? event.target.closest('button, a, select, input[type=radio], input[type=checkbox], label')
            : null;
        // A click on a label also clicks its input: one action, not two.
        if (!event.isTrusted || !target || event.timeStamp - lastClick < 50) return;
        lastClick = event.timeStamp;
        log.clicks.push(target.textContent.trim().slice(0, 60));
      },
      true,
    );
    /** What the counter reads of either ceremony's options; the rest is passed through untouched. */
    interface Ceremony {
      publicKey?: {
        userVerification?: string;
        authenticatorSelection?: { authenticatorAttachment?: string; userVerification?: string };
        allowCredentials?: { transports?: string[] }[];
      };
    }
    const container = navigator.credentials;
    const wrap = (name: 'create' | 'get') => {
      const original = container[name].bind(container);
      container[name] = async (options?: CredentialCreationOptions & CredentialRequestOptions) => {
        const result = await original(options);
        log.touches += 1;
        const publicKey = (options as Ceremony | undefined)?.publicKey;
        const selection = publicKey?.authenticatorSelection;
        const roaming = selection
          ? selection.authenticatorAttachment === 'cross-platform'
          : (publicKey?.allowCredentials ?? []).some((c) => c.transports?.includes('usb') === true);
        const verification = selection ? selection.userVerification : publicKey?.userVerification;
        if (roaming && verification === 'required') log.pins += 1;
        return result;
      };
    };
    wrap('create');
    wrap('get');
  });
}

export async function actionsSoFar(page: Page): Promise<ActionLog> {
  const log = await page.evaluate(() => window.__firstkeyActions);
  if (!log) throw new Error('countActions(page) was not installed before the page loaded');
  return log;
}

export const total = (log: ActionLog): number => log.clicks.length + log.touches + log.pins;

/** The action table in bench/RESULTS.md, journey name to count: the numbers the README and the table claim. */
export function claimedActions(): Map<string, number> {
  const text = readFileSync(join(process.cwd(), 'bench', 'RESULTS.md'), 'utf8');
  const section = text.slice(text.indexOf('## Deliberate actions per journey'));
  const rows = [...section.matchAll(/^\| ([^|]+?) \| (\d+) \|/gm)];
  return new Map(rows.map((row) => [String(row[1]), Number(row[2])]));
}
