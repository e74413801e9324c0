import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { FailureText } from '../components/FailureText';
import { FunnelChart } from '../components/FunnelChart';
import { ScreenHeading } from '../components/Heading';
import { TimeChart } from '../components/TimeChart';
import { useConsole } from '../store';

const PERIODS = ['7d', '30d', '90d'] as const;

export function Funnel() {
  const { t } = useTranslation();
  const formats = useFormats();
  const funnel = useConsole((s) => s.funnel);
  const failure = useConsole((s) => s.funnelFailure);
  const loadFunnel = useConsole((s) => s.loadFunnel);
  const [since, setSince] = useState<(typeof PERIODS)[number]>('30d');
  const ids = useId();
  useEffect(() => {
    void loadFunnel(since);
  }, [loadFunnel, since]);
  return (
    <section className="screen">
      <ScreenHeading>{t('funnel.title')}</ScreenHeading>
      <div className="field-row">
        <label htmlFor={`${ids}-since`}>{t('funnel.since')}</label>
        <select
          id={`${ids}-since`}
          value={since}
          onChange={(e) => {
            setSince(e.target.value as (typeof PERIODS)[number]);
          }}
        >
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {t(`funnel.period.${p}`)}
            </option>
          ))}
        </select>
      </div>
      <FailureText failure={failure} />
      {funnel && (
        <>
          <p className="quiet">{t('funnel.range', { since: formats.day(funnel.since), until: formats.day(funnel.until) })}</p>
          <FunnelChart stages={funnel.stages} />
          <TimeChart timeToEnrol={funnel.timeToEnrol} />
          <p>
            {t('funnel.helpdesk', {
              count: funnel.helpdesk.requests,
              approved: funnel.helpdesk.approved,
              denied: funnel.helpdesk.denied,
            })}
          </p>
          <p>{t('funnel.resets', { value: formats.number(funnel.resetsPer100Users) })}</p>
        </>
      )}
    </section>
  );
}
