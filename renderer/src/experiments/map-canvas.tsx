/**
 * A scan-shaped image (d map, virtual bright/dark field) drawn pixel for pixel on a canvas, scaled up without
 * smoothing, with its colour scale; flagged or missing pixels (null) are drawn grey with a cross-hatch-free flat
 * colour so they never read as data. Pixels marked `greyed` (values the model gave but should not be trusted: frames
 * out of its training distribution) keep a faint trace of their colour under grey with a diagonal hatch, so they
 * read neither as data nor as missing. Reports the pixel under the pointer and clicks.
 */
import { useEffect, useRef } from 'react';

export interface MapCanvasProps {
  values: (number | null)[];
  rows: number;
  cols: number;
  /** Colour of a value already scaled to [0, 1]. */
  colour: (t: number) => string;
  range: [number, number];
  testId: string;
  label: string;
  /** Largest side in CSS pixels. */
  size?: number;
  selected?: number | null;
  onHover?: (index: number | null) => void;
  onPick?: (index: number) => void;
  /** A rectangle dragged over the image (first and last pixel index); a plain click is a pick. */
  onDrag?: (from: number, to: number) => void;
  /** Drawn as an outline: inclusive rows r0…r1, columns c0…c1. */
  outline?: { r0: number; r1: number; c0: number; c1: number } | null;
  /** Per pixel: draw its value greyed and hatched (out of distribution). */
  greyed?: boolean[] | null;
}

const MISSING = '#9aa3ad';
/** Over a greyed pixel's colour: mostly the missing grey, so its value still shows faintly but never reads as data. */
const GREYED_VEIL = 'rgba(154, 163, 173, 0.75)';
const GREYED_HATCH = 'rgba(60, 66, 74, 0.8)';

/** Screen pixels per image pixel: whole numbers (no smoothing), the image at most `size` wide or high. */
export function canvasScale(rows: number, cols: number, size = 360): number {
  return Math.max(1, Math.floor(size / Math.max(rows, cols)));
}

export function MapCanvas({ values, rows, cols, colour, range, testId, label, size = 360, selected = null, onHover, onPick, onDrag, outline = null, greyed = null }: MapCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const dragFrom = useRef<number | null>(null);
  const scale = canvasScale(rows, cols, size);
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    const [lo, hi] = range;
    const span = hi > lo ? hi - lo : 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c];
        context.fillStyle = v === null || v === undefined || !Number.isFinite(v) ? MISSING : colour(Math.min(1, Math.max(0, (v - lo) / span)));
        context.fillRect(c * scale, r * scale, scale, scale);
        if (greyed?.[r * cols + c] && v !== null && v !== undefined && Number.isFinite(v)) drawGreyed(context, c * scale, r * scale, scale);
      }
    }
    if (selected !== null && selected >= 0 && selected < rows * cols) {
      context.strokeStyle = '#ff2d55';
      context.lineWidth = Math.max(1, scale / 6);
      context.strokeRect((selected % cols) * scale + 0.5, Math.floor(selected / cols) * scale + 0.5, scale - 1, scale - 1);
    }
    if (outline) {
      context.strokeStyle = '#ffffff';
      context.setLineDash([4, 3]);
      context.lineWidth = 2;
      context.strokeRect(outline.c0 * scale + 1, outline.r0 * scale + 1, (outline.c1 - outline.c0 + 1) * scale - 2, (outline.r1 - outline.r0 + 1) * scale - 2);
      context.setLineDash([]);
    }
  }, [values, rows, cols, colour, range, scale, selected, outline, greyed]);

  const indexAt = (event: React.MouseEvent<HTMLCanvasElement>): number | null => {
    const box = event.currentTarget.getBoundingClientRect();
    const c = Math.floor(((event.clientX - box.left) / box.width) * cols);
    const r = Math.floor(((event.clientY - box.top) / box.height) * rows);
    return r >= 0 && r < rows && c >= 0 && c < cols ? r * cols + c : null;
  };

  return (
    <canvas
      ref={ref}
      width={cols * scale}
      height={rows * scale}
      className="map-canvas"
      role="img"
      aria-label={label}
      data-testid={testId}
      onMouseMove={(e) => onHover?.(indexAt(e))}
      onMouseLeave={() => onHover?.(null)}
      onMouseDown={(e) => {
        dragFrom.current = indexAt(e);
      }}
      onMouseUp={(e) => {
        const from = dragFrom.current;
        dragFrom.current = null;
        const to = indexAt(e);
        if (from === null || to === null) return;
        if (from !== to && onDrag) onDrag(from, to);
        else onPick?.(to);
      }}
    />
  );
}

/** A greyed pixel: the grey veil, then a diagonal hatch line when the pixel is large enough to show one. */
function drawGreyed(context: CanvasRenderingContext2D, x: number, y: number, scale: number): void {
  context.fillStyle = GREYED_VEIL;
  context.fillRect(x, y, scale, scale);
  if (scale < 4) return;
  context.strokeStyle = GREYED_HATCH;
  context.lineWidth = Math.max(1, scale / 12);
  context.beginPath();
  // Lines x + y = const every half pixel, so they continue across neighbours and a greyed region reads as one
  // hatched area.
  context.moveTo(x, y + scale / 2);
  context.lineTo(x + scale / 2, y);
  context.moveTo(x, y + scale);
  context.lineTo(x + scale, y);
  context.moveTo(x + scale / 2, y + scale);
  context.lineTo(x + scale, y + scale / 2);
  context.stroke();
}

/**
 * A horizontal colour bar with its end values, optionally named (e.g. "σ(d)" beside a d map's bar); `compact` lets the
 * ramp shrink below its usual minimum to fit under a small map.
 */
export function ColourBar({ colour, range, unit, testId, label, compact = false }: { colour: (t: number) => string; range: [number, number]; unit: string; testId: string; label?: string; compact?: boolean }) {
  const stops = Array.from({ length: 11 }, (_, i) => `${colour(i / 10)} ${i * 10}%`).join(', ');
  return (
    <div className="colour-bar" data-testid={testId}>
      {label !== undefined && <strong className="colour-bar__label">{label}</strong>}
      <span>{range[0].toFixed(3)}</span>
      <div className="colour-bar__ramp" style={{ background: `linear-gradient(to right, ${stops})`, ...(compact ? { minWidth: 48 } : {}) }} />
      <span>
        {range[1].toFixed(3)} {unit}
      </span>
    </div>
  );
}
