// Printing recovery codes at a kiosk: straight to a real printer, with no
// dialog (a dialog would offer "Save as PDF", a file on the shared station).
// Plain Node over a small window port; window.ts gives it the hidden window.
import { mainLanguage } from '../i18n/index.js';
import de from './locales/de.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };

export const KIOSK_CATALOGUES = { en, de, fr } as const;
export type PrintWords = (typeof en)['print'];

/** The printed page's words in the station's language (English where we have none closer). */
export function printWords(locale: string): { lang: string; words: PrintWords } {
  const lang = mainLanguage(locale);
  return { lang, words: KIOSK_CATALOGUES[lang].print };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);

/**
 * The page as a data: URL: no script, and a CSP that lets it load nothing, so the
 * print window never reaches the network or the app's origin.
 */
export function recoveryCodesPage(codes: readonly string[], lang: string, words: PrintWords): string {
  const items = codes.map((code) => `<li>${escapeHtml(code)}</li>`).join('');
  const html =
    `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>${escapeHtml(words.title)}</title>` +
    '<style>body{font:12pt sans-serif;margin:2cm}ol{font:14pt monospace;line-height:1.8}</style>' +
    `</head><body><h1>${escapeHtml(words.title)}</h1><p>${escapeHtml(words.intro)}</p>` +
    `<ol>${items}</ol><p>${escapeHtml(words.keepSafe)}</p></body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

/** The fields of Electron's PrinterInfo the choice reads. */
export interface PrinterChoice {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Printers that write a file (or send a fax) instead of paper: a file on the station is what printing must avoid. */
const FILE_PRINTER = /pdf|xps|onenote|print to file|document writer|fax|send to/i;

function marksDefault(printer: PrinterChoice): boolean {
  const flag = printer.options?.['is-default'] ?? printer.options?.isDefault;
  return flag === true || flag === 'true';
}

/** The printer to use: the default one if it prints on paper, else the first that does; null when none does. */
export function choosePrinter(printers: readonly PrinterChoice[]): PrinterChoice | null {
  const paper = printers.filter(
    (printer) => ![printer.name, printer.displayName, printer.description].some((text) => FILE_PRINTER.test(text)),
  );
  return paper.find(marksDefault) ?? paper[0] ?? null;
}

export interface SilentPrintOptions {
  silent: true;
  printBackground: false;
  deviceName: string;
}

/** The hidden window the page is printed from (window.ts makes it from Electron's BrowserWindow). */
export interface PrintWindow {
  loadURL(url: string): Promise<void>;
  readonly webContents: {
    getPrintersAsync(): Promise<PrinterChoice[]>;
    print(options: SilentPrintOptions, callback: (success: boolean, failureReason: string) => void): void;
  };
  destroy(): void;
}

export interface PrintDeps {
  openPrintWindow(): PrintWindow;
  locale: string;
  /** Why a print failed, for the log: never the codes. */
  onFailure?(reason: string): void;
}

/** Prints the codes on the station's paper printer without a dialog; printed is false when no printer took them. */
export async function printRecoveryCodes(codes: readonly string[], deps: PrintDeps): Promise<{ printed: boolean }> {
  const window = deps.openPrintWindow();
  try {
    const printer = choosePrinter(await window.webContents.getPrintersAsync());
    if (!printer) {
      deps.onFailure?.('no_paper_printer');
      return { printed: false };
    }
    const { lang, words } = printWords(deps.locale);
    await window.loadURL(recoveryCodesPage(codes, lang, words));
    const printed = await new Promise<boolean>((resolve) => {
      window.webContents.print({ silent: true, printBackground: false, deviceName: printer.name }, (success, failureReason) => {
        if (!success) deps.onFailure?.(failureReason || 'print_failed');
        resolve(success);
      });
    });
    return { printed };
  } catch (error) {
    deps.onFailure?.(error instanceof Error ? error.name : 'print_failed');
    return { printed: false };
  } finally {
    // The page holds the codes: it goes as soon as the printer has them.
    window.destroy();
  }
}
