/**
 * Real-space calibration under a scan image: a scale bar of a round length (1, 2 or 5 × 10^k in the file's unit)
 * drawn as a fraction of the image's on-screen width (`widthPx`, the canvas's own width), and the scan step and
 * field of view in words. Without a calibration it says so rather than inventing one.
 */
import type { AxisCalibration } from '../../../main/shared/microscopy';
import { niceLength } from './map-png';

export function realSpace(axis: AxisCalibration | null): { step: number; units: string } | null {
  return axis && axis.scale !== null && axis.scale > 0 && axis.units ? { step: axis.scale, units: axis.units } : null;
}

/** "x 3.5 nm, y 2 nm" for a scan pixel, or null without a calibration. */
export function positionText(row: number, col: number, rowAxis: AxisCalibration | null, colAxis: AxisCalibration | null): string | null {
  const x = realSpace(colAxis);
  const y = realSpace(rowAxis) ?? x;
  if (!x || !y) return null;
  const fmt = (v: number): string => String(Number(v.toPrecision(4)));
  return `x ${fmt((colAxis?.offset ?? 0) + col * x.step)} ${x.units}, y ${fmt((rowAxis?.offset ?? 0) + row * y.step)} ${y.units}`;
}

export function ScaleBar({ cols, rows, colAxis, rowAxis, widthPx, testId }: { cols: number; rows: number; colAxis: AxisCalibration | null; rowAxis: AxisCalibration | null; widthPx: number; testId: string }) {
  const x = realSpace(colAxis);
  if (!x)
    return (
      <p className="scale-bar__none muted" data-testid={testId} style={{ maxWidth: widthPx }}>scan step not recorded in the file ({cols} × {rows} positions)
      </p>
    );
  const width = cols * x.step;
  const length = niceLength(width);
  const y = realSpace(rowAxis);
  const fmt = (v: number): string => String(Number(v.toPrecision(3)));
  return (
    <div className="scale-bar" data-testid={testId} style={{ maxWidth: widthPx }}>
      <div className="scale-bar__track" style={{ width: widthPx }}>
        <div className="scale-bar__bar" style={{ width: `${(100 * length) / width}%` }} />
        <span>
          {fmt(length)} {x.units}
        </span>
      </div>
      <span className="muted">
        step {fmt(x.step)} {x.units} · field {fmt(width)} × {fmt(rows * (y?.step ?? x.step))} {x.units}
      </span>
    </div>
  );
}
