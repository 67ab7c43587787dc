/**
 * The synthetic detector-scan generator (tests/support/detector-scan.ts) checked against the app's own code, not
 * the model: the kinematic sum on a detector equal to the model grid is NbedSimulator's pattern; the dose gives
 * the asked halo counts; the beam centre it draws is where the app's centre of mass finds it; the written files
 * read back through openMicroscopy unchanged; the truth map is what the dataset builder labels.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_PARAMS } from '../../../main/shared/labels';
import type { Vec3 } from '../../../main/shared/domain';
import { probeLabels } from '../../../native-workers/lib/datasets/probe-labels';
import { NbedSimulator } from '../../../native-workers/lib/diffraction/nbed-simulator';
import { computeLabels, speciesOf } from '../../../native-workers/lib/labels/compute-labels';
import { readLabelArrays, writeLabelFolder } from '../../../native-workers/lib/labels/label-store';
import { openMicroscopy } from '../../../native-workers/lib/microscopy/open';
import { centreOfMass } from '../../../native-workers/lib/microscopy/preprocess/centre';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';
import { readStructureFolder, writeStructureFolder } from '../../../native-workers/lib/structure-store';
import { electronFactors, frameOf, HELD_OUT_STRUCTURE, loadStructure, makeDetectorScan, MODEL_GRID, PAPER_PROBE, type DetectorScan } from '../../support/detector-scan';
import { writeScanEmd, writeScanMib, writeScanNpy } from '../../support/detector-writers';
import { tempDir } from '../../support/temp';

const work = tempDir('ssro-detector-scan-');

describe('synthetic detector scans', () => {
  beforeAll(() => {
    const loaded = loadStructure();
    process.stderr.write(`detector-scan: computeLabels on ${loaded.structure.ids.length} atoms took ${loaded.labelSeconds.toFixed(2)} s${loaded.labelsCached ? ' (file cache)' : ''}\n`);
  });

  it('equals NbedSimulator on a detector that is the model grid (pixel 0.015 Å⁻¹, centre on a pixel)', () => {
    const scan = makeDetectorScan({ scan: { rows: 2, cols: 3 }, detector: { side: 133, invAPerPixel: MODEL_GRID.deltaKInvA, subsamples: 1 }, kmaxInvA: MODEL_GRID.kmaxInvA });
    expect(scan.beamCentres.slice(0, 2)).toEqual(Float64Array.of(66, 66));
    const clean = scan.cleanModelPatterns as Float64Array;
    const pixels = 133 * 133;
    let worst = 0;
    for (let i = 0; i < 6; i++) {
      const frame = frameOf(scan, i);
      const model = clean.subarray(i * pixels, (i + 1) * pixels);
      let max = 0;
      for (const v of model) max = Math.max(max, v);
      for (let k = 0; k < pixels; k++) {
        // Float32 frames: compared to the model pattern rounded the same way, then any difference beyond it.
        const want = Math.fround(model[k] as number);
        const got = frame[k] as number;
        worst = Math.max(worst, Math.abs(got - want) / Math.max(Math.abs(want), 1e-6 * max));
      }
    }
    // Float32 storage alone would allow 6e-8; the sums agree far better, so the check is on the float64 images below.
    expect(worst).toBeLessThan(1e-7);
  });

  it('computes the same float64 intensities as NbedSimulator to 1e-9 relative', async () => {
    const { detectorGeometry, detectorPattern, FactorTable } = await import('../../support/detector-scan');
    const loaded = loadStructure();
    const simulator = new NbedSimulator(
      { positions: loaded.structure.positions, cell: loaded.structure.cell, species: loaded.species, elements: loaded.elements },
      { shape: PAPER_PROBE, zone: 'z', grid: MODEL_GRID, factors: electronFactors() },
    );
    const table = new FactorTable(loaded.elements, electronFactors());
    let worst = 0;
    for (const centre of [[10, 5, 11.6], [45.3, 9.1, 11.6], [70, 15, 11.6]] as Vec3[]) {
      const probe = simulator.patternAt(centre);
      const geometry = detectorGeometry(133, 133, { row: 66, col: 66 }, MODEL_GRID.deltaKInvA, 0, null, simulator.grid);
      const species = Uint8Array.from(probe.indices, (a) => loaded.species[a] as number);
      const image = detectorPattern(geometry, probe.relative, species, table, 1, MODEL_GRID.kmaxInvA);
      let max = 0;
      for (const v of probe.pattern) max = Math.max(max, v);
      for (let k = 0; k < image.length; k++) {
        const want = probe.pattern[k] as number;
        worst = Math.max(worst, Math.abs((image[k] as number) - want) / Math.max(Math.abs(want), 1e-9 * max));
      }
    }
    process.stderr.write(`detector-scan: worst relative difference from NbedSimulator ${worst.toExponential(2)}\n`);
    expect(worst).toBeLessThan(1e-9);
  });

  it('gives the requested mean count per halo pixel under Poisson noise', () => {
    for (const haloCounts of [10, 1000]) {
      const scan = makeDetectorScan({ scan: { rows: 3, cols: 4 }, detector: { side: 96, dtype: 'uint16' }, dose: { haloCounts }, seed: 7, cleanModelPatterns: false });
      let sum = 0;
      let n = 0;
      scan.haloMasks.forEach((inside, k) => {
        if (inside) {
          sum += scan.frames[k] as number;
          n++;
        }
      });
      const mean = sum / n;
      process.stderr.write(`detector-scan: dose ${haloCounts}: mean halo count ${mean.toFixed(3)} over ${n} pixels\n`);
      expect(Math.abs(mean / haloCounts - 1)).toBeLessThan(0.02);
      // Counts really are counts: whole numbers with Poisson scatter (variance ≈ mean for a flat part is not
      // asserted: the halo is not flat), and not the noiseless image.
      expect(Array.from(scan.frames.subarray(0, 200)).every((v) => Number.isInteger(v))).toBe(true);
    }
  });

  it('draws the beam centre (offset + sub-pixel drift) where the app’s centre of mass finds it, within 0.2 px', () => {
    const scan = makeDetectorScan({
      scan: { rows: 3, cols: 5 },
      detector: { side: 96, dtype: 'uint16' },
      beam: { offsetPx: [2.3, -3.1], driftPx: [1.4, -1.7] },
      directBeam: { radiusPx: 4, height: 100 },
      dose: { haloCounts: 200 },
      seed: 3,
      cleanModelPatterns: false,
    });
    let worst = 0;
    for (let i = 0; i < 15; i++) {
      const found = centreOfMass(frameOf(scan, i), 96, 96, { relativeThreshold: 0.3, radiusPx: 8 });
      worst = Math.max(worst, Math.hypot(found.row - (scan.beamCentres[2 * i] as number), found.col - (scan.beamCentres[2 * i + 1] as number)));
    }
    process.stderr.write(`detector-scan: worst centre-of-mass error ${worst.toFixed(3)} px\n`);
    expect(scan.beamCentres[28]! - scan.beamCentres[0]!).toBeCloseTo(1.4, 12);
    expect(worst).toBeLessThan(0.2);
  });

  describe('written files', () => {
    const scans: [string, DetectorScan][] = [];
    beforeAll(() => {
      const common = { scan: { rows: 3, cols: 4 }, detector: { side: 64 }, dose: { haloCounts: 500 }, directBeam: { radiusPx: 3, height: 50, saturateAt: 'dtype-max' as const }, defects: { hot: 2, dead: 2 }, cleanModelPatterns: false };
      scans.push(['uint16', makeDetectorScan({ ...common, detector: { side: 64, dtype: 'uint16' } })]);
      scans.push(['float32', makeDetectorScan({ ...common, detector: { side: 64, dtype: 'float32' } })]);
    });

    async function expectSame(scan: DetectorScan, file: string, options: { scanShape?: number[] } = {}): Promise<void> {
      const source = await openMicroscopy(file, options);
      try {
        expect(source.info.scanShape).toEqual(scan.scanShape);
        expect(source.info.frameShape).toEqual(scan.detectorShape);
        for (let i = 0; i < scan.scanShape[0] * scan.scanShape[1]; i++) expect(source.readFrame(i)).toEqual(frameOf(scan, i));
      } finally {
        source.close();
      }
    }

    it('NumPy 4D', async () => {
      for (const [name, scan] of scans) {
        const written = writeScanNpy(path.join(work, `scan-${name}.npy`), scan);
        expect(written.calibrated).toBe(false);
        await expectSame(scan, written.file);
      }
    });

    it('EMD 1.0 (HDF5) with its 1/Å calibration', async () => {
      for (const [name, scan] of scans) {
        const written = await writeScanEmd(path.join(work, `scan-${name}.emd`), scan);
        await expectSame(scan, written.file);
        const source = await openMicroscopy(written.file);
        try {
          expect(source.info.dtype).toBe(name);
          for (const axis of source.info.detectorAxes) {
            expect(axis.units).toBe('1/Å');
            expect(axis.scale).toBeCloseTo(written.invAPerPixel, 12);
          }
        } finally {
          source.close();
        }
      }
    });

    it('Merlin MIB (scan shape from its .hdr)', async () => {
      for (const [name, scan] of scans) {
        const written = writeScanMib(path.join(work, `scan-${name}.mib`), scan);
        await expectSame(scan, written.file);
      }
    });
  });

  it('labels each probe as the dataset builder does (stored labels, NbedSimulator probe, probeLabels)', () => {
    const scan = makeDetectorScan({ scan: { rows: 4, cols: 8 }, detector: { side: 32 }, cleanModelPatterns: true });
    // The label job: the imported structure folder, computeLabels with the default parameters, the label folder.
    const structureDir = path.join(work, 'structure');
    writeStructureFolder(structureDir, readStructureFile(HELD_OUT_STRUCTURE, 'auto'), HELD_OUT_STRUCTURE);
    const labelDir = path.join(work, 'labels');
    writeLabelFolder(labelDir, computeLabels(readStructureFolder(structureDir), DEFAULT_LABEL_PARAMS), DEFAULT_LABEL_PARAMS);
    // The diffract job (native-workers/diffract/index.ts loadSources + computeSample) on the same centres.
    const structure = readStructureFolder(structureDir);
    const labels = readLabelArrays(labelDir);
    const { elements, species } = speciesOf(structure);
    const simulator = new NbedSimulator(
      { positions: structure.positions, cell: structure.cell, ids: structure.ids, species, elements },
      { shape: PAPER_PROBE, zone: 'z', grid: MODEL_GRID, factors: electronFactors() },
    );
    const pixels = scan.modelSide * scan.modelSide;
    for (let i = 0; i < scan.truthD.length; i++) {
      const centre: Vec3 = [scan.probes[3 * i] as number, scan.probes[3 * i + 1] as number, scan.probes[3 * i + 2] as number];
      const probe = simulator.patternAt(centre);
      expect(scan.truthD[i]).toBe(probeLabels(probe.indices, { d: labels.d }).meanD);
      expect(scan.cleanModelPatterns?.subarray(i * pixels, (i + 1) * pixels)).toEqual(probe.pattern);
    }
    // The scan crosses the boundary (normal x): the truth map has contrast along the columns.
    const d = Array.from(scan.truthD);
    expect(Math.max(...d) - Math.min(...d)).toBeGreaterThan(0.5);
  });

  it('makes a 16 × 16 scan of 96² frames in seconds', () => {
    const started = performance.now();
    const scan = makeDetectorScan({ scan: { rows: 16, cols: 16 }, dose: { haloCounts: 100 }, beam: { driftPx: [1.5, 1] } });
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`detector-scan: 16×16 scan of 96² frames (2×2 sub-samples, drift, Poisson) in ${seconds.toFixed(1)} s (frames ${scan.seconds.frames.toFixed(1)} s, model grid ${scan.seconds.model.toFixed(1)} s)\n`);
    expect(scan.frames.length).toBe(256 * 96 * 96);
    expect(seconds).toBeLessThan(60);
  });
});
