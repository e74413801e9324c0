import type { TFunction } from 'i18next';
import type { Failure } from '../store/types';

/** A refusal in words: its code's message, or the generic one for a code the console has no words for. */
export function failureMessage(t: TFunction, failure: Failure): string | null {
  return failure ? t(`errors.${failure.code}`, { defaultValue: t('errors.unknown') }) : null;
}
