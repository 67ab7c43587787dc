/**
 * One pattern thumbnail of a dataset: fetched only once it scrolls into view (IntersectionObserver), from the
 * shared pattern cache, with its mean d and region below.
 */
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../format';
import { useApi } from '../state/api-context';
import { loadPattern, type CachedPattern } from './pattern-cache';
import { usePatternCanvas } from './pattern-image';
import type { PatternColormap } from './pattern-colormap';

export interface PatternThumbProps {
  datasetId: number;
  index: number;
  meanD: number | null;
  region: string;
  colormap: PatternColormap;
  onOpen: (index: number) => void;
}

export function PatternThumb({ datasetId, index, meanD, region, colormap, onOpen }: PatternThumbProps) {
  const api = useApi();
  const hostRef = useRef<HTMLButtonElement>(null);
  const [visible, setVisible] = useState(false);
  const [pattern, setPattern] = useState<CachedPattern | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canvasRef = usePatternCanvas(pattern?.values ?? null, pattern?.side ?? 0, colormap);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        setVisible(true);
        observer.disconnect();
      }
    }, { rootMargin: '200px' });
    observer.observe(host);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (!visible) return;
    let cancelled = false;
    loadPattern(api, datasetId, index).then(
      (p) => !cancelled && setPattern(p),
      (e: unknown) => !cancelled && setError(errorMessage(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, visible, datasetId, index]);

  return (
    <button
      type="button"
      ref={hostRef}
      className="dataset-thumb"
      onClick={() => onOpen(index)}
      data-testid="dataset-thumb"
      data-index={index}
      data-loaded={pattern !== null}
      title={error ?? `Sample #${index}: open the large view`}
    >
      <canvas ref={canvasRef} className="dataset-thumb__canvas" />
      <span className="dataset-thumb__meta">
        <span>d {meanD === null ? '—' : meanD.toFixed(3)}</span>
        <span className="muted">{region}</span>
      </span>
      {error && <span className="text-failed dataset-thumb__error">failed</span>}
    </button>
  );
}
