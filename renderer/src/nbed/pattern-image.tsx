/**
 * One diffraction pattern on a canvas (one canvas pixel per k-node, scaled without smoothing) with its k-axes in Å⁻¹
 * and a colour bar. Values are the model-input transform (log, then [0, 1]); +v points up, +u to the right.
 */
import { useEffect, useRef } from 'react';
import { colormapTable, patternPixels, type PatternColormap } from './pattern-colormap';

export interface PatternImageProps {
  /** Model-input values in [0, 1], side², row 0 = most negative v. */
  values: Float32Array;
  side: number;
  kmaxInvA: number;
  deltaKInvA: number;
  colormap: PatternColormap;
  /** Edge length of the image in CSS px. */
  sizePx: number;
  axisNames: { u: string; v: string };
  testId?: string;
}

const MARGIN = { left: 52, right: 12, top: 10, bottom: 40 };

/** Draws the values into a canvas of side × side pixels. */
export function usePatternCanvas(values: Float32Array | null, side: number, colormap: PatternColormap) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !values || values.length !== side * side) return;
    canvas.width = side;
    canvas.height = side;
    canvas.getContext('2d')?.putImageData(patternPixels(values, side, colormap), 0, 0);
  }, [values, side, colormap]);
  return ref;
}

function tickValues(kmax: number): number[] {
  const half = Math.round((kmax / 2) * 1000) / 1000;
  return [-kmax, -half, 0, half, kmax];
}

function formatK(k: number): string {
  if (k === 0) return '0';
  const s = Math.abs(k) >= 1 ? k.toFixed(1) : k.toFixed(2);
  return s.replace('-', '−');
}

export function PatternImage({ values, side, kmaxInvA, deltaKInvA, colormap, sizePx, axisNames, testId }: PatternImageProps) {
  const canvasRef = usePatternCanvas(values, side, colormap);
  const n = (side - 1) / 2;
  // The image spans pixel edges: K from −(n + ½)Δk to +(n + ½)Δk.
  const halfExtent = (n + 0.5) * deltaKInvA;
  const toX = (k: number) => MARGIN.left + ((k + halfExtent) / (2 * halfExtent)) * sizePx;
  const toY = (k: number) => MARGIN.top + ((halfExtent - k) / (2 * halfExtent)) * sizePx;
  const ticks = tickValues(kmaxInvA);
  const width = MARGIN.left + sizePx + MARGIN.right;
  const height = MARGIN.top + sizePx + MARGIN.bottom;
  return (
    <div className="pattern-image" style={{ width, height }}>
      <canvas
        ref={canvasRef}
        className="pattern-image__canvas"
        data-testid={testId}
        data-side={side}
        style={{ left: MARGIN.left, top: MARGIN.top, width: sizePx, height: sizePx }}
        aria-label={`Diffraction pattern, ${side} × ${side} pixels, Δk = ${deltaKInvA} Å⁻¹`}
      />
      <svg className="pattern-image__axes" width={width} height={height} aria-hidden="true">
        <rect x={MARGIN.left - 0.5} y={MARGIN.top - 0.5} width={sizePx + 1} height={sizePx + 1} fill="none" stroke="#5a6475" />
        {ticks.map((k) => (
          <g key={`x${k}`}>
            <line x1={toX(k)} x2={toX(k)} y1={MARGIN.top + sizePx} y2={MARGIN.top + sizePx + 5} stroke="#5a6475" />
            <text x={toX(k)} y={MARGIN.top + sizePx + 17} textAnchor="middle">
              {formatK(k)}
            </text>
          </g>
        ))}
        {ticks.map((k) => (
          <g key={`y${k}`}>
            <line x1={MARGIN.left - 5} x2={MARGIN.left} y1={toY(k)} y2={toY(k)} stroke="#5a6475" />
            <text x={MARGIN.left - 8} y={toY(k) + 4} textAnchor="end">
              {formatK(k)}
            </text>
          </g>
        ))}
        <text x={MARGIN.left + sizePx / 2} y={height - 4} textAnchor="middle" className="pattern-image__label">
          {axisNames.u} (Å⁻¹)
        </text>
        <text
          x={12}
          y={MARGIN.top + sizePx / 2}
          textAnchor="middle"
          transform={`rotate(-90 12 ${MARGIN.top + sizePx / 2})`}
          className="pattern-image__label"
        >
          {axisNames.v} (Å⁻¹)
        </text>
      </svg>
    </div>
  );
}

export interface PatternColourBarProps {
  colormap: PatternColormap;
  heightPx: number;
  /** The raw intensity range behind 0 and 1, shown so the log scale can be read back. */
  rawRange: [number, number] | null;
}

/** The colour bar of the model-input scale: 0 = log max(I,1) at its minimum, 1 = at its maximum. */
export function PatternColourBar({ colormap, heightPx, rawRange }: PatternColourBarProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = 1;
    canvas.height = 256;
    const table = colormapTable(colormap);
    const image = new ImageData(1, 256);
    for (let i = 0; i < 256; i++) {
      const k = 255 - i; // top = 1
      image.data.set([table[3 * k] ?? 0, table[3 * k + 1] ?? 0, table[3 * k + 2] ?? 0, 255], 4 * i);
    }
    canvas.getContext('2d')?.putImageData(image, 0, 0);
  }, [colormap]);
  const fmt = (v: number) => (v >= 1e4 || (v > 0 && v < 1e-2) ? v.toExponential(2) : v.toPrecision(3));
  return (
    <div
      className="pattern-colour-bar"
      data-testid="pattern-colour-bar"
      title={
        'Model-input scale: L = log(max(I, 1)), normalised to [0, 1] over the pattern' +
        (rawRange ? `\n1 = I ${fmt(rawRange[1])}; 0 = I ≤ ${fmt(Math.max(1, rawRange[0]))}` : '')
      }
    >
      <div className="pattern-colour-bar__title">log I</div>
      <div className="pattern-colour-bar__body" style={{ height: heightPx }}>
        <canvas ref={ref} className="pattern-colour-bar__ramp" />
        <span className="pattern-colour-bar__tick" style={{ top: 0 }}>1</span>
        <span className="pattern-colour-bar__tick" style={{ top: heightPx / 2 }}>0.5</span>
        <span className="pattern-colour-bar__tick" style={{ top: heightPx }}>0</span>
      </div>
      <div className="pattern-colour-bar__title">(norm.)</div>
    </div>
  );
}
