/**
 * `ssro open FILE [--scan-shape NY,NX] [--dataset PATH]`: what an experimental file holds — format, dtype, scan and
 * frame shapes, calibrations with their units, beam energy, camera length, notes — as JSON on stdout. Reads headers
 * only (and nothing of a frame unless --frame-stats).
 */
import type { Command } from 'commander';
import { openMicroscopy } from '../../../native-workers/lib/microscopy/open';
import { parsePositive, parsePositiveInteger } from '../parse-options';

interface OpenCliOptions {
  scanShape?: string;
  scanStep?: number;
  dataset?: string;
  frameStats?: number;
}

/** "NY,NX" (or "N") → positive integers; the reader checks the product against the frame count. */
export function parseScanShape(value: string): number[] {
  const parts = value.split(/[,x×]/).map((v) => Number(v.trim()));
  if (parts.length === 0 || parts.length > 2 || parts.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`--scan-shape ${value}: give the scan's rows and columns as NY,NX (positive integers)`);
  }
  return parts;
}

export function registerOpenCommand(program: Command): void {
  program
    .command('open')
    .description('describe an experimental NBED / 4D-STEM file or folder (shapes, dtype, calibration, beam energy) as JSON')
    .argument('<file>', 'a DM3/DM4, MRC, NPY, HDF5/EMD, MIB, EMPAD (.xml), BLO, TIFF or PNG file, or a folder of patterns')
    .option('--scan-shape <ny,nx>', 'the scan shape when the file does not say it (rows, columns; must divide the frame count)')
    .option('--dataset <path>', 'HDF5: the dataset to read when the file holds several')
    .option('--scan-step <nm>', 'real-space step between scan positions (nm) when the file does not record it', parsePositive)
    .option('--frame-stats <index>', 'also read frame INDEX and report its minimum, maximum, mean and non-finite count', (v) => parsePositiveInteger(String(Number(v) + 1)) - 1)
    .action(async (file: string, opts: OpenCliOptions) => {
      const source = await openMicroscopy(file, {
        ...(opts.scanShape !== undefined ? { scanShape: parseScanShape(opts.scanShape) } : {}),
        ...(opts.scanStep !== undefined ? { scanStepNm: opts.scanStep } : {}),
        ...(opts.dataset !== undefined ? { datasetPath: opts.dataset } : {}),
      });
      try {
        const out: Record<string, unknown> = { ...source.info };
        if (opts.frameStats !== undefined) {
          const frame = source.readFrame(opts.frameStats);
          let min = Infinity;
          let max = -Infinity;
          let sum = 0;
          let bad = 0;
          for (const v of frame) {
            if (!Number.isFinite(v)) {
              bad++;
              continue;
            }
            if (v < min) min = v;
            if (v > max) max = v;
            sum += v;
          }
          out.frameStats = { index: opts.frameStats, min, max, mean: sum / Math.max(frame.length - bad, 1), nonFinite: bad };
        }
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } finally {
        source.close();
      }
    });
}
