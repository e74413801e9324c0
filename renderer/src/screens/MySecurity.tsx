import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeviceView, FactorView } from '../../../api/security';
import { ApproveNewComputer } from '../components/ApproveNewComputer';
import { EmergencyAccess } from '../components/EmergencyAccess';
import { FactorCard, factorTitle } from '../components/FactorCard';
import { FactorStopsNotice, RoleChangeNotice } from '../components/RoleChangeNotice';
import { ScreenHeading } from '../components/ScreenHeading';
import { useFormats } from '../i18n/use-formats';
import { useApp } from '../store';

function FactorItem({ factor, onlyOne }: { factor: FactorView; onlyOne: boolean }) {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const renameFactor = useApp((s) => s.renameFactor);
  const removeFactor = useApp((s) => s.removeFactor);
  const [mode, setMode] = useState<'view' | 'rename' | 'remove'>('view');
  const [name, setName] = useState(factor.name ?? '');
  const label = factorTitle(factor, t);
  const inputId = `rename-${factor.id}`;

  const save = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (await renameFactor(factor.id, name)) setMode('view');
  };

  return (
    <FactorCard factor={factor} lastUsedAt={factor.lastUsedAt}>
      <FactorStopsNotice factorId={factor.id} />
      {mode === 'rename' && (
        <form onSubmit={(e) => void save(e)} className="inline-form">
          <label htmlFor={inputId}>{t('security.newName')}</label>
          <input
            id={inputId}
            className="text-input"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
            maxLength={64}
            required
          />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !name.trim()}>
              {t('security.save')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setMode('view');
              }}
            >
              {t('security.keep')}
            </button>
          </div>
        </form>
      )}
      {mode === 'remove' && (
        <div className="inline-form" role="group" aria-label={t('security.confirmRemove', { name: label })}>
          <p>{t('security.confirmRemove', { name: label })}</p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void removeFactor(factor.id)}>
              {t('security.remove')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setMode('view');
              }}
            >
              {t('security.keep')}
            </button>
          </div>
        </div>
      )}
      {mode === 'view' && (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setMode('rename');
            }}
            aria-label={t('security.renameNamed', { name: label })}
          >
            {t('security.rename')}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setMode('remove');
            }}
            disabled={onlyOne}
            aria-label={t('security.removeNamed', { name: label })}
            aria-describedby={onlyOne ? 'last-factor-hint' : undefined}
          >
            {t('security.remove')}
          </button>
        </div>
      )}
    </FactorCard>
  );
}

function DeviceItem({ device }: { device: DeviceView }) {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const removeDevice = useApp((s) => s.removeDevice);
  const format = useFormats();
  return (
    <li>
      <span className="factor-name">
        {device.name}
        {device.current ? ` (${t('security.thisComputer')})` : ''}
      </span>
      <span className="factor-detail">
        {/* The name carries the OS ("ada-laptop · Debian GNU/Linux 12 (bookworm)"); a renamed computer keeps what it reported. */}
        {device.name !== device.reportedName ? `${device.reportedName} · ` : ''}
        {t('security.lastSeen', { date: format.day(device.lastSeenAt) })}
      </span>
      {!device.current && (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void removeDevice(device.id)}
            aria-label={t('security.removeNamed', { name: device.name })}
          >
            {t('security.removeDevice')}
          </button>
        </div>
      )}
    </li>
  );
}

/** "My security": what the person has, with rename and remove, new recovery codes, and acting for a service account they own. */
export function MySecurity() {
  const { t } = useTranslation();
  const overview = useApp((s) => s.overview);
  const busy = useApp((s) => s.busy);
  const loadOverview = useApp((s) => s.loadOverview);
  const regenerateCodes = useApp((s) => s.regenerateCodes);
  const finishManaging = useApp((s) => s.finishManaging);
  const addKey = useApp((s) => s.addKey);

  useEffect(() => {
    void loadOverview();
  }, [loadOverview]);

  const active = overview?.factors.filter((f) => f.status === 'active') ?? [];
  return (
    <section>
      <ScreenHeading>{t('security.title')}</ScreenHeading>
      <RoleChangeNotice />
      <h2 className="section-title">{t('security.factors')}</h2>
      <ul className="factors" aria-label={t('security.factors')}>
        {overview?.factors.map((f) => (
          <FactorItem key={f.id} factor={f} onlyOne={active.length <= 1 && f.status === 'active'} />
        ))}
      </ul>
      {active.length <= 1 && (
        <p id="last-factor-hint" className="hint">
          {t('security.lastFactor')}
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={addKey}>
          {t('security.addKey')}
        </button>
      </div>
      <h2 className="section-title">{t('security.devices')}</h2>
      <ul className="factors" aria-label={t('security.devices')}>
        {overview?.devices.map((d) => (
          <DeviceItem key={d.id} device={d} />
        ))}
      </ul>
      <ApproveNewComputer />
      <h2 className="section-title">{t('security.codesTitle')}</h2>
      <p>{t('security.codesLeft', { count: overview?.recoveryCodes.remaining ?? 0 })}</p>
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={() => void regenerateCodes()}>
          {t('security.regenerate')}
        </button>
      </div>
      {/* Only for the named owner of a service account; nobody else sees anything of it. */}
      <EmergencyAccess />
      <div className="actions">
        <button type="button" className="primary" onClick={() => void finishManaging()}>
          {t('security.finish')}
        </button>
      </div>
    </section>
  );
}
