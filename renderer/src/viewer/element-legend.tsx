/** The elements of the shown structure: colour swatch, symbol, atom count and atomic percent. */
import { formatCount } from '../format';
import { hexToCss, type ElementStyle } from './element-style';

export interface ElementLegendProps {
  styles: ElementStyle[];
  counts: number[];
  total: number;
}

export function ElementLegend({ styles, counts, total }: ElementLegendProps) {
  return (
    <ul className="viewer__legend" aria-label="Elements" data-testid="element-legend">
      {styles.map((s, i) => {
        const n = counts[i] ?? 0;
        return (
          <li key={`${s.symbol}-${i}`} title={`${s.symbol}: display radius ${s.radiusA.toFixed(2)} Å`}>
            <span className="swatch" style={{ background: hexToCss(s.colorHex) }} aria-hidden="true" />
            <span className="legend__symbol">{s.symbol}</span>
            <span className="legend__count">{formatCount(n)}</span>
            <span className="legend__pct">{total > 0 ? ((100 * n) / total).toFixed(1) : '0.0'} %</span>
          </li>
        );
      })}
    </ul>
  );
}
