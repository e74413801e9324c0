/**
 * Why a setting was refused, as a code the start-up dialog translates and an
 * English detail for the log. Every refusal names the setting the way the
 * administrator wrote it, and where.
 */
export type AppConfigErrorCode =
  /** Not a URL, or a URL the app cannot use (credentials, query, fragment). */
  | 'invalid_url'
  /** http where https is needed: an installed app, or a host that is not this computer. */
  | 'not_https'
  /** A PEM that does not hold a certificate, or text around the certificates. */
  | 'bad_certificate'
  /** The wrong kind of value: a REG_SZ where a REG_DWORD belongs, a string for a boolean. */
  | 'wrong_type'
  /** The right kind of value but not one of the allowed ones. */
  | 'invalid_value'
  /** A name the app does not know: a typo, or a template newer than the app. */
  | 'unknown_setting'
  /** Set by the person at the computer (or their environment) where only policy may set it. */
  | 'policy_only'
  /** Something the app cannot run without (an installed app needs its server). */
  | 'missing'
  /** The file or registry key exists but cannot be read or is not well formed. */
  | 'unreadable';

export interface AppConfigErrorReason {
  readonly code: AppConfigErrorCode;
  /** English, for the log and for the administrator; the dialog translates by `code`. */
  readonly detail: string;
}

export class AppConfigError extends Error {
  override readonly name = 'AppConfigError';

  constructor(
    /** The setting as the administrator knows it: FIRSTKEY_SERVER_URL, HKLM\Software\Policies\FirstKey\ServerUrl, a JSON key in a file. */
    readonly setting: string,
    /** Where it was read: `environment`, a registry key, a file path. */
    readonly source: string,
    readonly reason: AppConfigErrorReason,
  ) {
    super(`${setting}: ${reason.detail}`);
  }
}
