import type { TFunction } from 'i18next';

/** A span in the largest whole unit that reads naturally: 90 s, 12 min, 5 h, 3 d. */
export function formatDuration(t: TFunction, seconds: number, number: (n: number) => string): string {
  if (seconds < 120) return t('duration.seconds', { value: number(Math.round(seconds)) });
  if (seconds < 7200) return t('duration.minutes', { value: number(Math.round(seconds / 60)) });
  if (seconds < 172800) return t('duration.hours', { value: number(Math.round(seconds / 3600)) });
  return t('duration.days', { value: number(Math.round(seconds / 86400)) });
}
