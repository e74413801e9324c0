import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeviceView, FactorView } from '../../../api/security';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

function FactorItem({ factor, onlyOne }: { factor: FactorView; onlyOne: boolean }) {
  const { t, i18n } = useTranslation();
  const busy = useApp((s) => s.busy);
  const renameFactor = useApp((s) => s.renameFactor);
  const removeFactor = useApp((s) => s.removeFactor);
  const [mode, setMode] = useState<'view' | 'rename' | 'remove'>('view');
  const [name, setName] = useState(factor.name ?? '');
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' });
  const label = factor.name ?? t(`done.factor.${factor.factor}`);
  const inputId = `rename-${factor.id}`;

  const save = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (await renameFactor(factor.id, name)) setMode('view');
  };

  return (
    <li>
      <span className="factor-name">{label}</span>
      <span className="factor-detail">
        {t('done.authenticator')}: {factor.authenticatorName ?? t('done.unknownAuthenticator')}
      </span>
      <span className="factor-detail">
        {t('done.registered')} {date.format(new Date(factor.createdAt))}
        {factor.lastUsedAt ? ` · ${t('security.lastUsed', { date: date.format(new Date(factor.lastUsedAt)) })}` : ''}
      </span>
      {factor.status === 'suspended' && <span className="factor-detail">{t('security.suspended')}</span>}
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
            maxLength={100}
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
    </li>
  );
}

function DeviceItem({ device }: { device: DeviceView }) {
  const { t, i18n } = useTranslation();
  const busy = useApp((s) => s.busy);
  const removeDevice = useApp((s) => s.removeDevice);
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' });
  return (
    <li>
      <span className="factor-name">
        {device.name}
        {device.current ? ` (${t('security.thisComputer')})` : ''}
      </span>
      <span className="factor-detail">
        {device.platform} {device.osVersion} · {t('security.lastSeen', { date: date.format(new Date(device.lastSeenAt)) })}
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

/** "My security": what the person has, with rename and remove, and new recovery codes. */
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
      <h2 className="section-title">{t('security.codesTitle')}</h2>
      <p>{t('security.codesLeft', { count: overview?.recoveryCodes.remaining ?? 0 })}</p>
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={() => void regenerateCodes()}>
          {t('security.regenerate')}
        </button>
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void finishManaging()}>
          {t('security.finish')}
        </button>
      </div>
    </section>
  );
}
