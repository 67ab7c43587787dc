/**
 * The `diffract` job: fills a dataset folder with simulated NBED patterns and their labels. Two compute threads
 * (both cores) take alternate missing samples; this thread writes them into the resumable pattern store.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ZoneAxis } from '../../main/shared/diffraction';
import type { Cell, Vec3 } from '../../main/shared/domain';
import type { DatasetRecipe } from '../../main/shared/ipc-contract';
import { patternSide } from '../../main/shared/diffraction';
import { runWorker } from '../runtime/worker-runtime';
import { openPatternStore } from '../lib/datasets/pattern-store';
import { planDataset, locateSample, type DatasetPlan } from '../lib/datasets/dataset-plan';
import { probeLabels } from '../lib/datasets/probe-labels';
import { NbedSimulator } from '../lib/diffraction/nbed-simulator';
import { readScatteringFactors } from '../lib/rdf/scattering-factors';
import { detectRegions } from '../lib/analysis/regions';
import { readLabelArrays } from '../lib/labels/label-store';
import { speciesOf } from '../lib/labels/compute-labels';
import { readStructureFolder } from '../lib/structure-store';

export interface DiffractSource {
  structureId: number;
  labelSetId: number;
  name: string;
  structureDir: string;
  labelDir: string;
}

export interface DiffractJobParams {
  datasetId: number;
  datasetDir: string;
  recipe: DatasetRecipe;
  sources: DiffractSource[];
  factorsPath: string;
}

interface LoadedSource {
  cell: Cell;
  d: Float64Array;
  region: Uint8Array | null;
  simulators: NbedSimulator[][]; // [zone][probe]
}

function loadSources(job: DiffractJobParams): LoadedSource[] {
  const factors = readScatteringFactors('electron', job.factorsPath);
  return job.sources.map((source) => {
    const structure = readStructureFolder(source.structureDir);
    const labels = readLabelArrays(source.labelDir);
    const { elements, species } = speciesOf(structure);
    let region: Uint8Array | null = null;
    if (job.recipe.regionAxis !== null) {
      const counts = new Array<number>(elements.length).fill(0);
      for (const s of species) counts[s] = (counts[s] ?? 0) + 1;
      region = detectRegions(structure.positions, structure.cell, labels.cna, labels.voronoiIndex, species, {
        axis: job.recipe.regionAxis,
        centreSpecies: counts.indexOf(Math.max(...counts)),
      }).regionCode;
    }
    const nbed = { positions: structure.positions, cell: structure.cell, ids: structure.ids, species, elements };
    const simulators = job.recipe.zones.map((zone) =>
      job.recipe.probes.map(
        (shape) =>
          new NbedSimulator(nbed, {
            shape,
            zone: zone as ZoneAxis,
            grid: { kmaxInvA: job.recipe.kmaxInvA, deltaKInvA: job.recipe.deltaKInvA },
            factors,
            ...(job.recipe.beamEnergyKeV !== null ? { beamEnergyKeV: job.recipe.beamEnergyKeV } : {}),
          }),
      ),
    );
    return { cell: structure.cell, d: labels.d, region, simulators };
  });
}

interface Sample {
  index: number;
  pattern: Float64Array;
  centre: Vec3;
  meanD: number;
  atomCount: number;
  region: number | null;
  regionFractions: number[];
}

function computeSample(plan: DatasetPlan, sources: LoadedSource[], index: number): Sample {
  const { block, position } = locateSample(plan, index);
  const source = sources[block.source] as LoadedSource;
  const simulator = source.simulators[block.zone]?.[block.probe] as NbedSimulator;
  const c = block.scan.centresA;
  const centre: Vec3 = [c[3 * position] as number, c[3 * position + 1] as number, c[3 * position + 2] as number];
  const probe = simulator.patternAt(centre);
  const labels = probeLabels(probe.indices, { d: source.d, ...(source.region ? { regionCode: source.region } : {}) });
  return {
    index,
    pattern: probe.pattern,
    centre,
    meanD: labels.meanD,
    atomCount: labels.atomCount,
    region: labels.region,
    regionFractions: Array.from(labels.regionFractions),
  };
}

function planOf(job: DiffractJobParams, sources: LoadedSource[]): DatasetPlan {
  return planDataset(job.recipe, sources.map((s) => s.cell));
}

if (!isMainThread) {
  // A compute thread: the samples with index ≡ lane (mod lanes) among those still missing.
  const { job, indices } = workerData as { job: DiffractJobParams; indices: number[] };
  const sources = loadSources(job);
  const plan = planOf(job, sources);
  for (const index of indices) {
    const sample = computeSample(plan, sources, index);
    parentPort?.postMessage(sample, [sample.pattern.buffer as ArrayBuffer]);
  }
} else {
  runWorker('diffract', async (raw, ctx) => {
    const job = raw as DiffractJobParams;
    const sources = loadSources(job); // validates every probe, zone and element before any work
    const plan = planOf(job, sources);
    const store = openPatternStore(job.datasetDir, {
      sampleCount: plan.sampleCount,
      side: patternSide(job.recipe),
      grid: { kmaxInvA: job.recipe.kmaxInvA, deltaKInvA: job.recipe.deltaKInvA },
      patternKind: 'raw-intensity',
      structures: job.sources.map((s) => ({ id: s.structureId, name: s.name, labelSetId: s.labelSetId })),
      zones: job.recipe.zones as ZoneAxis[],
      probes: job.recipe.probes,
      recipe: job.recipe,
    });
    const missing = [...store.missingIndices()];
    if (store.resumed) ctx.log(`resuming: ${store.doneCount} of ${plan.sampleCount} samples already written`);
    ctx.log(`${plan.sampleCount} samples (${job.sources.length} structures × ${job.recipe.zones.length} zones × ${job.recipe.probes.length} probes); ${missing.length} to compute on 2 threads`);
    const started = Date.now();
    let written = store.doneCount;
    const lanes = [0, 1].map((lane) => missing.filter((_, k) => k % 2 === lane)).filter((l) => l.length > 0);
    const threads = lanes.map((indices) => new Worker(__filename, { workerData: { job, indices } }));
    try {
      await Promise.all(
        threads.map(
          (thread) =>
            new Promise<void>((resolve, reject) => {
              thread.on('message', (sample: Sample) => {
                ctx.exitIfOrphaned(); // the dataset folder is the project's: no write once the app is gone
                const { block, position } = locateSample(plan, sample.index);
                store.write(sample.index, {
                  pattern: sample.pattern,
                  labels: { meanD: sample.meanD, atomCount: sample.atomCount, region: sample.region, regionFractions: sample.regionFractions as [number, number, number] },
                  centreA: sample.centre,
                  structure: block.source,
                  zone: block.zone,
                  probe: block.probe,
                  scanPosition: position,
                });
                written++;
                ctx.progress(written / plan.sampleCount, `${written} of ${plan.sampleCount} patterns`);
                if (ctx.isCancelled()) {
                  for (const t of threads) void t.terminate();
                }
              });
              thread.on('error', reject);
              thread.on('exit', (code) => (code === 0 || ctx.isCancelled() ? resolve() : reject(new Error(`a compute thread stopped with code ${code}`))));
            }),
        ),
      );
    } finally {
      store.close();
    }
    ctx.throwIfCancelled();
    const seconds = (Date.now() - started) / 1000;
    ctx.log(`computed ${missing.length} patterns in ${seconds.toFixed(1)} s (${(missing.length / Math.max(seconds, 1e-9)).toFixed(0)} per second)`);
    return { datasetId: job.datasetId, sampleCount: plan.sampleCount, seconds, patternsPerSecond: missing.length / Math.max(seconds, 1e-9) };
  });
}

