import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { PostureRefusal as Refusal, PostureShortfall } from '../../../api/posture';
import { useApp } from '../store';

/** What the server said about one requirement (not there, could not be checked, too old a version): the message key and its values. */
function statusOf(shortfall: PostureShortfall): [string, Record<string, string>] {
  if (shortfall.requirement === 'minOsVersion') {
    const minimum = shortfall.minimum ?? '';
    return typeof shortfall.reported === 'string' && shortfall.reported !== 'unknown'
      ? ['posture.status.version', { reported: shortfall.reported, minimum }]
      : ['posture.status.versionUnknown', { minimum }];
  }
  return [shortfall.reported === 'unknown' ? 'posture.status.unknown' : 'posture.status.missing', {}];
}

/**
 * The server refused this computer for its posture: each requirement it lacks and how to fix it on
 * this computer's OS. Main reads the computer again on the next try. The ways back and the diagnostics
 * export stay on the screen around it.
 */
function PostureList({ refusal, intro }: { refusal: Refusal; intro: 'intro' | 'introSignIn' }) {
  const { t } = useTranslation();
  const anyUnknown = refusal.unmet.some((s) => s.reported === 'unknown');
  return (
    <>
      <p>{t(`posture.${intro}`)}</p>
      <ul className="posture-list">
        {refusal.unmet.map((shortfall) => (
          <li key={shortfall.requirement} data-requirement={shortfall.requirement}>
            <p className="posture-need">
              <strong>{t(`posture.need.${shortfall.requirement}`)}</strong>
            </p>
            <p className="posture-status">{t(...statusOf(shortfall))}</p>
            <p className="posture-fix">{t(`posture.fix.${shortfall.requirement}.${refusal.platform}`)}</p>
          </li>
        ))}
      </ul>
      {anyUnknown && <p className="hint">{t('posture.unknownHelp')}</p>}
    </>
  );
}

/** At the code: nothing was spent, and Try again sends the same code. */
export function PostureRefusal({ refusal, code }: { refusal: Refusal; code: string }) {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const submitCode = useApp((s) => s.submitCode);
  const goTo = useApp((s) => s.goTo);
  const headingId = useId();

  return (
    <section className="posture-refusal" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('posture.title')}</h2>
      <PostureList refusal={refusal} intro="intro" />
      <div className="actions">
        <button type="button" className="primary" disabled={busy} aria-busy={busy} onClick={() => void submitCode(code)}>
          {busy ? t('posture.retrying') : t('posture.retry')}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => {
            goTo('code');
          }}
        >
          {t('posture.otherCode')}
        </button>
      </div>
    </section>
  );
}

/** At sign-in: the key was fine, the computer was not; signing in again (the form above) reads it again. */
export function PostureRefusalAtSignIn({ refusal }: { refusal: Refusal }) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="posture-refusal" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('posture.titleSignIn')}</h2>
      <PostureList refusal={refusal} intro="introSignIn" />
    </section>
  );
}
