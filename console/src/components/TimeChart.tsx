import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { FunnelReport } from '../api/types';
import { formatDuration } from './duration';

const WIDTH = 600;
const HEIGHT = 230;
/** Room under the axis for the bucket labels, turned so they never run into each other. */
const AXIS = 90;
/** How far the first slanted axis label reaches left of the plot. */
const LABEL_OVERHANG = 60;

/**
 * The time-to-enrol distribution: the report's buckets are cumulative (Prometheus style), so each
 * bar is one bucket minus the one before. A table under it says the same, for screen readers and for the figures.
 */
export function TimeChart({ timeToEnrol }: { timeToEnrol: FunnelReport['timeToEnrol'] }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const ids = useId();
  const duration = (s: number) => formatDuration(t, s, formats.number);
  const buckets = timeToEnrol.buckets.map((b, i, all) => ({
    label: b.le === null ? t('funnel.over', { time: duration(all[i - 1]?.le ?? 0) }) : t('funnel.upTo', { time: duration(b.le) }),
    count: b.count - (i > 0 ? (all[i - 1]?.count ?? 0) : 0),
  }));
  const top = Math.max(1, ...buckets.map((b) => b.count));
  const slot = (WIDTH - 8) / Math.max(1, buckets.length);
  const plot = HEIGHT - AXIS;
  return (
    <figure className="chart" aria-labelledby={`${ids}-cap`}>
      <figcaption id={`${ids}-cap`}>{t('funnel.timeTitle')}</figcaption>
      {timeToEnrol.medianSeconds !== null && timeToEnrol.p90Seconds !== null ? (
        <p>{t('funnel.median', { median: duration(timeToEnrol.medianSeconds), p90: duration(timeToEnrol.p90Seconds) })}</p>
      ) : (
        <p>{t('funnel.noTimes')}</p>
      )}
      {/* Room on the left for the first slanted label, which reaches back past the first bar. */}
      <svg viewBox={`${-LABEL_OVERHANG} 0 ${WIDTH + LABEL_OVERHANG} ${HEIGHT}`} aria-hidden="true" focusable="false" className="bars">
        <line x1={0} x2={WIDTH} y1={plot} y2={plot} className="axis" />
        {buckets.map((b, i) => {
          const h = (plot - 16) * (b.count / top);
          const x = 4 + i * slot;
          return (
            <g key={b.label}>
              <rect x={x + 4} y={plot - h} width={slot - 8} height={h} className="bar bar-time" />
              <text x={x + slot / 2} y={plot - h - 4} textAnchor="middle" className="bar-value">
                {formats.number(b.count)}
              </text>
              <text
                x={x + slot / 2}
                y={plot + 14}
                textAnchor="end"
                transform={`rotate(-40 ${x + slot / 2} ${plot + 14})`}
                className="axis-label"
              >
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
      <div className="table-wrap">
        <table className="data">
          <caption>{t('funnel.timeTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('funnel.bucket')}</th>
              <th scope="col">{t('funnel.count')}</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.label}>
                <th scope="row">{b.label}</th>
                <td>{formats.number(b.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
