import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, SUPPORTED_LANGUAGES } from '../i18n';
import { useApp } from '../store';
import type { Step } from '../store/types';
import { SessionTimer } from './SessionTimer';

// "My security" is not a journey with steps: it shows none.
const STEP_NUMBER: Record<Step, number | null> = {
  code: 1,
  recover: 1,
  helpdesk: 1,
  signin: 1,
  security: null,
  confirm: 2,
  choose: 3,
  ceremony: 3,
  codes: 4,
  done: 4,
  keyLost: null,
  station: null,
  operator: null,
  turn: 1,
  operatorPanel: null,
  stationError: null,
};

export function Header() {
  const { t, i18n } = useTranslation();
  const step = useApp((s) => s.step);
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-name">{t('app.name')}</span>
        <span className="brand-tagline">{t('app.tagline')}</span>
      </div>
      {STEP_NUMBER[step] !== null && <p className="step">{t('app.step', { current: STEP_NUMBER[step], total: 4 })}</p>}
      <SessionTimer />
      <label className="language">
        <span>{t('app.language')}</span>
        <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
          {SUPPORTED_LANGUAGES.map((lang) => (
            <option key={lang} value={lang} lang={lang}>
              {LANGUAGE_NAMES[lang]}
            </option>
          ))}
        </select>
      </label>
    </header>
  );
}
