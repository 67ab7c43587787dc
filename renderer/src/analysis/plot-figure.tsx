/**
 * One analysis figure: draws its SVG at the width of its box (again when the box resizes) and offers it as SVG, PNG
 * and CSV downloads named after the structure and the plot.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorBanner } from '../components/error-banner';
import { errorMessage } from '../format';
import { csvBlob, downloadBlob, pngBlob, svgBlob } from './plot-export';
import { withTitle } from './svg-compose';

export interface PlotFigureProps {
  testId: string;
  title: string;
  /** The title line written into exported SVG and PNG files (plot, structure, label set). */
  exportTitle: string;
  /** File name without extension. */
  fileStem: string;
  /** Draws the figure at a width in px; a new function (new data or options) draws it again. */
  render: (width: number) => SVGSVGElement;
  /** The series behind the figure as CSV text. */
  csv: () => string;
  controls?: ReactNode;
  caption?: ReactNode;
}

export function PlotFigure({ testId, title, exportTitle, fileStem, render, csv, controls, caption }: PlotFigureProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement | null>(null);
  const [width, setWidth] = useState(0);
  const [drawError, setDrawError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let frame = 0;
    const measure = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setWidth(Math.floor(host.clientWidth)));
    };
    setWidth(Math.floor(host.clientWidth));
    const observer = new ResizeObserver(measure);
    observer.observe(host);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, []);

  useEffect(() => {
    const host = hostRef.current;
    if (!host || width < 120) return;
    try {
      const svg = render(width);
      host.replaceChildren(svg);
      svgRef.current = svg;
      setDrawError(null);
      setDrawn(true);
    } catch (error) {
      host.replaceChildren();
      svgRef.current = null;
      setDrawn(false);
      setDrawError(errorMessage(error));
    }
  }, [render, width]);

  async function save(kind: 'svg' | 'png' | 'csv') {
    setExportError(null);
    try {
      if (kind === 'csv') {
        downloadBlob(csvBlob(csv()), `${fileStem}.csv`);
        return;
      }
      const svg = svgRef.current;
      if (!svg) throw new Error('the figure is not drawn yet');
      const titled = withTitle(svg, exportTitle);
      if (kind === 'svg') {
        downloadBlob(svgBlob(titled), `${fileStem}.svg`);
      } else {
        setExporting(true);
        downloadBlob(await pngBlob(titled, 2), `${fileStem}.png`);
      }
    } catch (error) {
      setExportError(`Exporting ${kind.toUpperCase()} failed: ${errorMessage(error)}`);
    } finally {
      setExporting(false);
    }
  }

  return (
    <figure className="plot-figure" data-testid={testId} data-drawn={drawn}>
      <figcaption className="plot-figure__header">
        <h3>{title}</h3>
        <div className="plot-figure__controls">{controls}</div>
        <div className="plot-figure__export" role="group" aria-label={`Export ${title}`}>
          <button type="button" className="button button--small" onClick={() => void save('svg')} title={`Save as ${fileStem}.svg (vector)`} data-testid="export-svg">
            SVG
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() => void save('png')}
            disabled={exporting}
            title={`Save as ${fileStem}.png (2× resolution)`}
            data-testid="export-png"
          >
            PNG
          </button>
          <button type="button" className="button button--small" onClick={() => void save('csv')} title={`Save the data as ${fileStem}.csv`} data-testid="export-csv">
            CSV
          </button>
        </div>
      </figcaption>
      <div className="plot-figure__body" ref={hostRef} />
      {drawError && <ErrorBanner title="Cannot draw this plot" message={drawError} />}
      {exportError && <ErrorBanner title="Export failed" message={exportError} onDismiss={() => setExportError(null)} />}
      {caption && <div className="plot-figure__caption">{caption}</div>}
    </figure>
  );
}
