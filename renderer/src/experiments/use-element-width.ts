/**
 * An element's content width in CSS pixels, followed through a ResizeObserver (0 until it is laid out). A callback
 * ref, so an element that appears later (once data has arrived) is measured too.
 */
import { useCallback, useEffect, useState } from 'react';

export function useElementWidth(): [number, (element: HTMLElement | null) => void] {
  const [element, setElement] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!element) return;
    const measure = (): void => setWidth(element.clientWidth);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return [width, useCallback((e: HTMLElement | null) => setElement(e), [])];
}
