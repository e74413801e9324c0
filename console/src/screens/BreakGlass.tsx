import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { BreakGlassCeremonyView } from '../api/types';
import { BreakGlassConfirm } from '../components/BreakGlassConfirm';
import { BreakGlassKey } from '../components/BreakGlassKey';
import { ScreenHeading } from '../components/Heading';
import { UsernameForm } from '../components/UsernameForm';
import { useConsole } from '../store';
import '../components/break-glass.css';

/** How often an open ceremony is read again. */
const REFRESH_MS = 10_000;

/** What the ceremony still waits for, first thing first: the sentence that tells everyone in the room what to do next. */
function nextStep(view: BreakGlassCeremonyView): string {
  if (!view.session) return view.keys.filter((k) => k.status === 'active').length >= view.keysRequired ? 'enrolled' : 'noSession';
  if (!view.supervised) return view.kioskOperator ? 'custodianBesideOperator' : 'custodians';
  if (view.keys.length < view.keysRequired) return 'keys';
  if (view.keys.some((k) => k.custodian === null || k.location === null)) return 'labels';
  return 'finish';
}

/** Where the session custodians are about to confirm was opened: the computer or kiosk station, and when. */
function SessionOpened({ session }: { session: NonNullable<BreakGlassCeremonyView['session']> }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const time = formats.moment(session.openedAt);
  return (
    <p className="quiet">
      {session.station
        ? t('breakGlass.session.station', { time, station: session.station })
        : t('breakGlass.session.device', { time, device: session.device ?? '—' })}
    </p>
  );
}

/**
 * A break-glass account's supervised enrolment: each custodian confirms here, with a sign-in
 * minutes old, that they watch it, and records who keeps each key where. The server decides
 * whether the enrolment may finish; this page shows where it stands.
 */
export function BreakGlass() {
  const { t } = useTranslation();
  const formats = useFormats();
  const view = useConsole((s) => s.breakGlass);
  const failure = useConsole((s) => s.breakGlassFailure);
  const busy = useConsole((s) => s.breakGlassBusy);
  const load = useConsole((s) => s.loadBreakGlass);
  const forget = useConsole((s) => s.forgetBreakGlass);
  const refresh = useConsole((s) => s.refreshBreakGlass);
  const me = useConsole((s) => s.agent?.username ?? '');
  // Leaving the screen drops the account's state from memory.
  useEffect(() => forget, [forget]);
  // While a session is open the others in the room act too: their confirmations, keys and labels show within seconds.
  const watching = view?.session?.id ?? null;
  useEffect(() => {
    if (!watching) return;
    const timer = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => {
      window.clearInterval(timer);
    };
  }, [watching, refresh]);

  const confirmed = view?.custodians.includes(me) ?? false;
  const step = view ? nextStep(view) : null;
  return (
    <section className="screen break-glass">
      <ScreenHeading>{t('breakGlass.title')}</ScreenHeading>
      <p>{t('breakGlass.intro')}</p>
      <UsernameForm
        className="inline"
        labelKey="breakGlass.username"
        submitKey="breakGlass.show"
        busy={busy}
        initialUsername={view?.username}
        error={
          failure &&
          t(`breakGlass.loadFailed.${failure.code}`, { defaultValue: t(`errors.${failure.code}`, { defaultValue: t('errors.unknown') }) })
        }
        onSubmit={(username) => {
          void load(username);
        }}
      />
      {view && step && (
        <>
          <div className="title-row">
            <h2>{t('breakGlass.account', { name: view.displayName, username: view.username })}</h2>
            <button type="button" className="secondary" disabled={busy} onClick={() => void load(view.username)}>
              {t('queue.refresh')}
            </button>
          </div>
          <p className="notice" role="status">
            {t(`breakGlass.next.${step}`, { count: view.keysRequired - view.keys.length })}
          </p>
          {view.session && (
            <>
              <h3>{t('breakGlass.custodians.title')}</h3>
              <SessionOpened session={view.session} />
              <p className="quiet">{t('breakGlass.custodians.open', { time: formats.moment(view.session.expiresAt) })}</p>
              <p>
                {view.custodians.length === 0
                  ? t('breakGlass.custodians.none')
                  : t('breakGlass.custodians.some', { names: formats.list(view.custodians) })}
              </p>
              {view.kioskOperator && (
                <p>{t('breakGlass.custodians.kioskOperator', { name: view.kioskOperator, station: view.session.station ?? '—' })}</p>
              )}
              {view.otherOpenSessions > 0 && (
                <p className="failure" role="alert">
                  {t('breakGlass.session.others', { count: view.otherOpenSessions })}
                </p>
              )}
              {confirmed ? <p>{t('breakGlass.custodians.you')}</p> : <BreakGlassConfirm key={view.session.id} />}
            </>
          )}
          <h3>{t('breakGlass.keysTitle', { count: view.keys.length, required: view.keysRequired })}</h3>
          {view.keys.length === 0 ? (
            <p>{t('breakGlass.noKeys')}</p>
          ) : (
            <ol className="bg-keys">
              {view.keys.map((k, i) => (
                <BreakGlassKey key={k.factorId} keyView={k} position={i + 1} />
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
