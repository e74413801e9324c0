// What the person sees when FirstKey cannot start: a plain dialog in their
// language that says what to do, never Electron's stack-trace box, and then
// the process ends (no window-less zombie). Plain Node: index.ts hands in
// dialog.showErrorBox and app.exit.
import type { MainMessageKey, Translate } from './i18n/index.js';
import type { Logger } from './log/logger.js';

/** A setting the app refused, as the configuration loader reports it (config/app-config-error.ts). */
export interface RefusedSetting {
  readonly setting: string;
  readonly source: string;
  readonly reason: { readonly code: string; readonly detail: string };
}

/** A packaged app started with a switch that opens it to a debugger (security.ts findDebuggingSwitch). */
export class DebuggingSwitchError extends Error {
  override readonly name = 'DebuggingSwitchError';
  constructor(readonly switchName: string) {
    super(`started with ${switchName}`);
  }
}

const REASON_KEYS: Readonly<Record<string, MainMessageKey>> = {
  invalid_url: 'startup.configReason.invalid_url',
  not_https: 'startup.configReason.not_https',
  bad_certificate: 'startup.configReason.bad_certificate',
  wrong_type: 'startup.configReason.wrong_type',
  invalid_value: 'startup.configReason.invalid_value',
  unknown_setting: 'startup.configReason.unknown_setting',
  policy_only: 'startup.configReason.policy_only',
  missing: 'startup.configReason.missing',
  unreadable: 'startup.configReason.unreadable',
};

function isRefusedSetting(error: unknown): error is RefusedSetting {
  if (typeof error !== 'object' || error === null) return false;
  const { setting, source, reason } = error as Partial<Record<keyof RefusedSetting, unknown>>;
  return (
    typeof setting === 'string' &&
    typeof source === 'string' &&
    typeof reason === 'object' &&
    reason !== null &&
    typeof (reason as { code?: unknown }).code === 'string' &&
    typeof (reason as { detail?: unknown }).detail === 'string'
  );
}

/** A refused setting (config.ts's AppConfigError, read by shape); null if the error is not about a setting. */
export function refusedSetting(error: unknown): RefusedSetting | null {
  return isRefusedSetting(error) ? error : null;
}

export interface StartupFailure {
  title: string;
  message: string;
  /** What goes into the log: names and codes, never the value that was refused. */
  event: string;
  fields: Record<string, string>;
}

/** The dialog and log record for anything that stopped the start. */
export function describeStartupFailure(error: unknown, t: Translate): StartupFailure {
  const title = t('startup.title');
  if (error instanceof DebuggingSwitchError) {
    return {
      title,
      message: t('startup.debuggingRefused', { switch: error.switchName }),
      event: 'startup.debugging_switch_refused',
      fields: { switch: error.switchName },
    };
  }
  const refused = refusedSetting(error);
  if (refused) {
    const reason = t(REASON_KEYS[refused.reason.code] ?? 'startup.configReason.invalid_value');
    return {
      title,
      message: t('startup.configInvalid', { setting: refused.setting, source: refused.source, reason }),
      event: 'config.invalid',
      fields: { setting: refused.setting, source: refused.source, code: refused.reason.code, reason: refused.reason.detail },
    };
  }
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : '';
  return { title, message: t('startup.unexpected'), event: 'startup.failed', fields: { errorName: name, message } };
}

export interface StartupFailureDeps {
  t: Translate;
  logger: Logger;
  /** dialog.showErrorBox: modal, needs no window, safe before any window exists. */
  showErrorBox(title: string, content: string): void;
  /** app.exit: ends the process now, without waiting on windows that were never made. */
  exit(code: number): void;
}

/** Logs, tells the person, and ends the process with a failure status. */
export function failStartup(deps: StartupFailureDeps, error: unknown): void {
  const failure = describeStartupFailure(error, deps.t);
  try {
    deps.logger.error(failure.event, failure.fields);
    deps.showErrorBox(failure.title, failure.message);
  } finally {
    deps.exit(1);
  }
}
