/** Starts Debian's Chromium for end-to-end tests through playwright-core (no browser download), with WebGL. */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Software WebGL so NGL draws without a GPU.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}

/** Share of pixels in a PNG region that differ clearly from the most common (background) colour. */
export function nonBackgroundFraction(png: Buffer): number {
  const image = PNG.sync.read(png);
  const counts = new Map<number, number>();
  const { data, width, height } = image;
  for (let i = 0; i < width * height; i++) {
    const key = ((data[i * 4] ?? 0) << 16) | ((data[i * 4 + 1] ?? 0) << 8) | (data[i * 4 + 2] ?? 0);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let background = 0;
  let best = -1;
  for (const [key, n] of counts) {
    if (n > best) {
      best = n;
      background = key;
    }
  }
  const br = (background >> 16) & 255;
  const bg = (background >> 8) & 255;
  const bb = background & 255;
  let differing = 0;
  for (let i = 0; i < width * height; i++) {
    const d = Math.abs((data[i * 4] ?? 0) - br) + Math.abs((data[i * 4 + 1] ?? 0) - bg) + Math.abs((data[i * 4 + 2] ?? 0) - bb);
    if (d > 60) differing++;
  }
  return differing / (width * height);
}

/** Distinct colour families among non-background pixels (coarse 32-level bins), to tell atoms of two elements apart. */
export function colourFamilies(png: Buffer): number {
  const { data, width, height } = PNG.sync.read(png);
  const bins = new Map<number, number>();
  for (let i = 0; i < width * height; i++) {
    const r = (data[i * 4] ?? 0) >> 5;
    const g = (data[i * 4 + 1] ?? 0) >> 5;
    const b = (data[i * 4 + 2] ?? 0) >> 5;
    const key = (r << 6) | (g << 3) | b;
    bins.set(key, (bins.get(key) ?? 0) + 1);
  }
  return [...bins.values()].filter((n) => n > width * height * 0.005).length;
}

/**
 * Collects what a person would not see but must not happen: uncaught page errors and console errors (CSP
 * violations and failed requests land there). The returned array fills as the page runs.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => {
    errors.push(error.message);
    process.stderr.write(`page error: ${error.message}\n`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
      process.stderr.write(`console error: ${message.text()}\n`);
    }
  });
  return errors;
}
