/**
 * What the atom colours mean when they come from a label property: a colour bar with its editable range for
 * continuous values, or the class colours with atom counts for CNA types and Voronoi classes.
 */
import { useEffect, useState, type KeyboardEvent } from 'react';
import { formatCount } from '../format';
import { colormapCss, colormapGradient, type CategoryEntry, type ColormapName } from '../labels/atom-colours';
import type { PropertyInfo } from '../labels/label-properties';

export interface ColourBarProps {
  info: PropertyInfo;
  colormap: ColormapName;
  range: [number, number];
  /** Finite min and max of the values, shown so the user knows what the range cuts off. */
  dataRange: [number, number] | null;
  onRange: (range: [number, number]) => void;
  onReset: () => void;
}

export function ColourBar({ info, colormap, range, dataRange, onRange, onReset }: ColourBarProps) {
  const digits = info.property === 'vor_volume' ? 2 : 3;
  const [minText, setMinText] = useState(range[0].toFixed(digits));
  const [maxText, setMaxText] = useState(range[1].toFixed(digits));
  useEffect(() => {
    setMinText(range[0].toFixed(digits));
    setMaxText(range[1].toFixed(digits));
  }, [range, digits]);
  const min = Number(minText);
  const max = Number(maxText);
  const valid = minText.trim() !== '' && maxText.trim() !== '' && Number.isFinite(min) && Number.isFinite(max) && min < max;
  const commit = () => {
    if (valid && (min !== range[0] || max !== range[1])) onRange([min, max]);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
  };
  const title = `${info.symbol}${info.unit ? ` (${info.unit})` : ''}`;
  return (
    <div className="viewer__colourbar" data-testid="colour-bar" data-property={info.property} data-min={range[0]} data-max={range[1]}>
      <div className="colourbar__title" title={info.description}>
        <strong>{title}</strong>
        <span className="colourbar__description muted">{info.description}</span>
      </div>
      <div className="colourbar__ramp" style={{ background: colormapGradient(colormap) }} aria-hidden="true" />
      <div className="colourbar__ends">
        <input
          className={`input colourbar__input${valid ? '' : ' input--invalid'}`}
          value={minText}
          inputMode="decimal"
          aria-label={`${info.symbol}: value at the low end (${colormapCss(colormap, 0)})`}
          onChange={(e) => setMinText(e.target.value)}
          onBlur={commit}
          onKeyDown={onKey}
          data-testid="colour-bar-min"
        />
        <span className="colourbar__mid muted">{((range[0] + range[1]) / 2).toFixed(digits)}</span>
        <input
          className={`input colourbar__input${valid ? '' : ' input--invalid'}`}
          value={maxText}
          inputMode="decimal"
          aria-label={`${info.symbol}: value at the high end`}
          onChange={(e) => setMaxText(e.target.value)}
          onBlur={commit}
          onKeyDown={onKey}
          data-testid="colour-bar-max"
        />
      </div>
      <div className="colourbar__foot muted">
        {dataRange ? `data ${dataRange[0].toFixed(digits)} … ${dataRange[1].toFixed(digits)}` : 'no finite values'}
        {!valid && <span className="text-failed"> · min must be below max</span>}
        <button type="button" className="link-button" onClick={onReset} title="Back to the default range">
          reset
        </button>
      </div>
    </div>
  );
}

export interface CategoryLegendProps {
  title: string;
  entries: CategoryEntry[];
  total: number;
}

export function CategoryLegend({ title, entries, total }: CategoryLegendProps) {
  return (
    <div className="viewer__categories" data-testid="category-legend" aria-label={`${title} colours`}>
      <div className="colourbar__title">
        <strong>{title}</strong>
      </div>
      <ul>
        {entries.map((e) => (
          <li key={e.code} data-category={e.name}>
            <span className="swatch" style={{ background: e.colour }} aria-hidden="true" />
            <span className="legend__symbol">{e.label}</span>
            <span className="legend__count">{formatCount(e.count)}</span>
            <span className="legend__pct">{total > 0 ? ((100 * e.count) / total).toFixed(1) : '0.0'} %</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
