import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

export interface UsernameFormProps {
  /** i18n key of the input's label: what screen readers and the e2e journeys find the input by. */
  labelKey: string;
  /** i18n key of the submit button's text. */
  submitKey: string;
  /** Called with the username trimmed, and only when something is left of it. */
  onSubmit: (username: string) => void;
  /** While true the button is disabled, so one request runs at a time. */
  busy: boolean;
  /** The refusal to show under the form, already in words; nothing when null or absent. */
  error?: string | null;
  /** What the input holds at first, such as the username the screen already shows. */
  initialUsername?: string | undefined;
  /** `inline` puts the label, input and button on one line. */
  className?: string;
}

/** The console's "type a username, press the button" form, with the refusal of the last try below it. */
export function UsernameForm({ labelKey, submitKey, onSubmit, busy, error, initialUsername = '', className }: UsernameFormProps) {
  const { t } = useTranslation();
  const [username, setUsername] = useState(initialUsername);
  const inputId = `${useId()}-user`;
  return (
    <>
      <form
        className={className}
        onSubmit={(event) => {
          event.preventDefault();
          const trimmed = username.trim();
          if (trimmed) onSubmit(trimmed);
        }}
      >
        <label htmlFor={inputId}>{t(labelKey)}</label>
        <input
          id={inputId}
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
          }}
        />
        <button type="submit" disabled={busy}>
          {t(submitKey)}
        </button>
      </form>
      {error && (
        <p className="failure" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
