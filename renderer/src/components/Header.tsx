import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, PSEUDO_LANGUAGE, SUPPORTED_LANGUAGES, type AppLanguage } from '../i18n';
import { useApp } from '../store';
import type { Step } from '../store/types';
import { SessionTimer } from './SessionTimer';

// Steps count the enrolment journey only. "My security" is not a journey with steps, and the ways
// back (a recovery code, the help desk, a key in hand) are journeys of other lengths: they show none.
const STEP_NUMBER: Record<Step, number | null> = {
  code: 1,
  recover: null,
  helpdesk: null,
  signin: null,
  security: null,
  confirm: 2,
  ceremony: 3,
  codes: 4,
  done: 4,
  keyLost: null,
  station: null,
  operator: null,
  turn: 1,
  operatorPanel: null,
  stationError: null,
  newComputer: null,
};

export function Header() {
  const { t, i18n } = useTranslation();
  const step = useApp((s) => s.step);
  const enrolling = useApp((s) => (s.session?.purpose ?? 'enrol') === 'enrol');
  const stepNumber = enrolling ? STEP_NUMBER[step] : null;
  // The pseudo-locale is offered only while it is in use (a system set to it), so the picker can show it and leave it.
  const languages: readonly AppLanguage[] =
    i18n.language === PSEUDO_LANGUAGE ? [...SUPPORTED_LANGUAGES, PSEUDO_LANGUAGE] : SUPPORTED_LANGUAGES;
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-name">{t('app.name')}</span>
        <span className="brand-tagline">{t('app.tagline')}</span>
      </div>
      {stepNumber !== null && <p className="step">{t('app.step', { current: stepNumber, total: 4 })}</p>}
      <SessionTimer />
      <label className="language">
        <span>{t('app.language')}</span>
        <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
          {languages.map((lang) => (
            <option key={lang} value={lang} lang={lang}>
              {LANGUAGE_NAMES[lang]}
            </option>
          ))}
        </select>
      </label>
    </header>
  );
}
