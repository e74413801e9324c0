import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { FactorKind } from '../../../api/enrolment';
import { useApp } from '../store';

/** What the server refuses in a name (FactorName in api/enrolment.ts): dropped as it is typed or pasted, never refused after the gesture. */
const REFUSED = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;
/** FactorName's limit. */
const KEY_NAME_MAX = 64;

/**
 * The person's own name for the key about to be made (or, on the last screen, for the backup key),
 * asked before the gesture because the session completes right after it. Optional and prefilled, so doing nothing costs no action: left as it is,
 * no name is sent, and the key is shown by its model's name (from its AAGUID) or else by its kind.
 */
export function KeyName({ factor, backup = false }: { factor: FactorKind; backup?: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  // On the last screen the session is over; the result still says whose keys these are.
  const username = useApp((s) => s.session?.user.username ?? s.result?.user.username ?? null);
  const typed = useApp((s) => (s.keyName && s.keyName.username === username ? s.keyName.value : null));
  const setKeyName = useApp((s) => s.setKeyName);
  const fallback = t(`done.factor.${factor}`);

  return (
    <div className="key-name">
      <label htmlFor={id}>{backup ? t('keyName.backupLabel') : t('keyName.label')}</label>
      <input
        id={id}
        className="text-input"
        value={typed ?? fallback}
        maxLength={KEY_NAME_MAX}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          const value = event.target.value.replace(REFUSED, '');
          // Typing the default back is keeping the default: the model's name can still replace it.
          setKeyName(value === fallback ? null : value);
        }}
      />
      <p id={`${id}-hint`} className="hint">
        {t('keyName.hint')}
      </p>
    </div>
  );
}
