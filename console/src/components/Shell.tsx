import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { useConsole, type View } from '../store';

/** Each section and the permission that shows it: an agent sees only what their roles allow. */
export const SECTIONS: { view: View; permission: string }[] = [
  { view: 'queue', permission: 'recovery:read' },
  { view: 'codes', permission: 'codes:issue' },
  { view: 'people', permission: 'people:read' },
  { view: 'funnel', permission: 'metrics:read' },
  { view: 'emergency', permission: 'emergency:read' },
  { view: 'breakGlass', permission: 'users:write' },
];

export function Shell({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const agent = useConsole((s) => s.agent);
  const view = useConsole((s) => s.view);
  const expiresAt = useConsole((s) => s.expiresAt);
  const can = useConsole((s) => s.can);
  const go = useConsole((s) => s.go);
  const signOut = useConsole((s) => s.signOut);
  if (!agent) return null;
  const current = view === 'request' ? 'queue' : view;
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <p className="brand">{t('app.title')}</p>
        <p className="who">
          {t('app.signedInAs', { name: agent.displayName, roles: formats.list(agent.roles) })}
          <br />
          <span className="quiet">{t('app.sessionEnds', { time: formats.time(new Date(expiresAt)) })}</span>
        </p>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          {t('app.signOut')}
        </button>
      </header>
      <nav aria-label={t('app.nav')} className="sections">
        <ul>
          {SECTIONS.filter((s) => can(s.permission)).map((s) => (
            <li key={s.view}>
              <button
                type="button"
                className="nav-link"
                aria-current={current === s.view ? 'page' : undefined}
                onClick={() => {
                  go(s.view);
                }}
              >
                {t(`nav.${s.view}`)}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">{children}</main>
    </>
  );
}
