import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { FunnelReport } from '../api/types';

const ROW = 36;
const LABEL = 0;
const WIDTH = 600;

/**
 * How many reach each step, as bars narrowing down the funnel. The SVG is a picture for sighted
 * agents; the table under it carries the same numbers for screen readers, and for anyone who wants the figures.
 */
export function FunnelChart({ stages }: { stages: FunnelReport['stages'] }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const ids = useId();
  const top = Math.max(1, ...stages.map((s) => s.count));
  const first = stages[0]?.count ?? 0;
  const share = (count: number) => (first > 0 ? `${formats.number(Math.round((count / first) * 100))} %` : '—');
  return (
    <figure className="chart" aria-labelledby={`${ids}-cap`}>
      <figcaption id={`${ids}-cap`}>{t('funnel.stagesTitle')}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${stages.length * ROW}`} aria-hidden="true" focusable="false" className="bars">
        {stages.map((s, i) => {
          const w = Math.max(2, ((WIDTH - LABEL) * s.count) / top);
          const x = LABEL + (WIDTH - LABEL - w) / 2;
          return (
            <g key={s.stage}>
              <rect x={x} y={i * ROW + 4} width={w} height={ROW - 8} rx={3} className={`bar bar-${i}`} />
              <text x={WIDTH / 2} y={i * ROW + ROW / 2 + 5} textAnchor="middle" className="bar-label">
                {t(`funnel.stages.${s.stage}`)}: {formats.number(s.count)}
              </text>
            </g>
          );
        })}
      </svg>
      <div className="table-wrap">
        <table className="data">
          <caption>{t('funnel.stagesTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('funnel.stage')}</th>
              <th scope="col">{t('funnel.count')}</th>
              <th scope="col">{t('funnel.share')}</th>
            </tr>
          </thead>
          <tbody>
            {stages.map((s) => (
              <tr key={s.stage}>
                <th scope="row">{t(`funnel.stages.${s.stage}`)}</th>
                <td>{formats.number(s.count)}</td>
                <td>{share(s.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
