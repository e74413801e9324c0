import { encode } from 'uqr';
import { useMemo } from 'react';

/** The link as a QR code, drawn as SVG squares (no markup strings, so the CSP needs no exception). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { data, size } = useMemo(() => {
    const qr = encode(text, { border: 2 });
    return { data: qr.data, size: qr.size };
  }, [text]);
  const cells: React.ReactNode[] = [];
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) cells.push(<rect key={`${x}-${y}`} x={x} y={y} width={1.02} height={1.02} />);
    });
  });
  return (
    <svg className="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect width={size} height={size} className="qr-light" />
      <g className="qr-dark">{cells}</g>
    </svg>
  );
}
