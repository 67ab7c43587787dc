/**
 * `ssro diffract`: simulated kinematic NBED patterns of a structure file at one or many probe centres → .npy, with one
 * JSON line per probe (centre, atom count, mean d_i of its atoms, element counts) on stdout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_DELTA_K_INV_A, DEFAULT_KMAX_INV_A, type ProbeShape, type ZoneAxis } from '../../shared/diffraction';
import { STRUCTURE_FORMATS, type Vec3 } from '../../shared/domain';
import { parseElementMapping } from '../../shared/elements';
import { resourcesDir } from '../../core/paths';
import { ELECTRON_FACTORS_RESOURCE, NbedSimulator, modelInput, patternGrid, type ProbeAtoms } from '../../../native-workers/lib/diffraction';
import { speciesOf } from '../../../native-workers/lib/labels/compute-labels';
import { npyHeader } from '../../../native-workers/lib/npy';
import { bondOrientationalOrder } from '../../../native-workers/lib/order/bond-order';
import { readScatteringFactors } from '../../../native-workers/lib/rdf/scattering-factors';
import { ProbeInputError } from '../../../native-workers/lib/diffraction/probes';
import { readStructureFile } from '../../../native-workers/lib/structure-io/read-structure';
import type { ParsedStructure } from '../../../native-workers/lib/structure-io/types';
import { parseFrame } from '../parse-options';
import { printable } from '../../shared/printable';

const PROBE_KINDS = ['cylinder', 'ellipsoid', 'cluster'] as const;

interface DiffractOptions {
  elements?: string;
  format: string;
  frame: 'first' | 'last' | number;
  probe: (typeof PROBE_KINDS)[number];
  radius: number;
  height: number;
  semiAxes?: Vec3;
  center?: Vec3;
  centers?: string;
  zone: ZoneAxis;
  kmax: number;
  dk: number;
  beamKev?: number;
  raw?: boolean;
  out: string;
}

/** Any finite number; whether it is a sensible size is the probe's or the grid's to say (their messages name it). */
function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
}

/** Three numbers separated by commas (or spaces / semicolons), or null when the text is not that. */
function threeNumbers(text: string): Vec3 | null {
  const parts = text
    .trim()
    .split(/[\s,;]+/)
    .filter((p) => p.length > 0);
  if (parts.length !== 3) return null;
  const values = parts.map(Number);
  return values.every((v) => Number.isFinite(v)) ? (values as Vec3) : null;
}

function parseVec3(value: string): Vec3 {
  const v = threeNumbers(value);
  if (v === null) throw new InvalidArgumentError('give three numbers, e.g. 12.5,10,16');
  return v;
}

export function parseZone(value: string): ZoneAxis {
  const name = value.trim().toLowerCase();
  if (name === 'x' || name === 'y' || name === 'z') return name;
  const v = threeNumbers(value);
  if (v === null) throw new InvalidArgumentError('use x, y, z or a direction ux,uy,uz, e.g. 1,1,0');
  if (v[0] === 0 && v[1] === 0 && v[2] === 0) throw new InvalidArgumentError('the zone axis must not be the zero vector');
  return v;
}

/**
 * Probe centres from a text file: one "x,y,z" (Å) per line; blank lines and one header line (a first line that is
 * not three numbers, e.g. "x,y,z") are skipped. Anything else is an error naming the line.
 */
export function readCenters(file: string): Vec3[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read: ${(error as Error).message}`);
  }
  const centers: Vec3[] = [];
  let sawContent = false;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const v = threeNumbers(line);
    const first = !sawContent;
    sawContent = true;
    if (v !== null) centers.push(v);
    else if (!first) throw new Error(`${file}, line ${index + 1}: expected a centre x,y,z (three numbers in Å), got "${printable(line.trim(), 60)}"`);
  });
  if (centers.length === 0) throw new Error(`${file}: no probe centres (one x,y,z per line)`);
  return centers;
}

function shapeOf(opts: DiffractOptions): ProbeShape {
  if (opts.probe === 'cylinder') return { kind: 'cylinder', radiusA: opts.radius, heightA: opts.height };
  if (opts.probe === 'ellipsoid') {
    if (opts.semiAxes === undefined) throw new Error('an ellipsoid probe needs --semi-axes a,b,c (Å, along u, v and the zone axis)');
    return { kind: 'ellipsoid', semiAxesA: opts.semiAxes };
  }
  return { kind: 'cluster' };
}

function readFile(file: string, opts: DiffractOptions): ParsedStructure {
  return readStructureFile(file, opts.format as (typeof STRUCTURE_FORMATS)[number] | 'auto', {
    ...(opts.elements !== undefined ? { elements: parseElementMapping(opts.elements) } : {}),
    frame: opts.frame,
  });
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The JSON line of one probe: its centre, atoms, mean d_i of those atoms and their element counts. */
function probeSummary(center: Vec3, probe: ProbeAtoms, d: Float64Array, elementOfAtom: (atom: number) => string): string {
  let sum = 0;
  const counts: Record<string, number> = {};
  for (const atom of probe.indices) {
    sum += d[atom] as number;
    const element = elementOfAtom(atom);
    counts[element] = (counts[element] ?? 0) + 1;
  }
  return JSON.stringify({ center, atoms: probe.indices.length, dMean: round(sum / probe.indices.length, 6), elements: counts });
}

export function registerDiffractCommand(program: Command): void {
  program
    .command('diffract')
    .description('simulated kinematic NBED pattern(s) of a structure file (papers/000 §2.3) → .npy, one JSON line per probe on stdout')
    .argument('<file>', 'structure file')
    .option('--elements <list>', 'element per LAMMPS type in order, e.g. Cu,Zr (needed when the file does not say)')
    .addOption(new Option('--format <format>', 'file format').choices(['auto', ...STRUCTURE_FORMATS]).default('auto'))
    .option('--frame <frame>', 'frame of a multi-frame file: first, last or a 0-based number', parseFrame, 'last')
    .addOption(new Option('--probe <shape>', 'probe volume').choices([...PROBE_KINDS]).default('cylinder'))
    .option('--radius <A>', 'cylinder radius, Å', parseNumber, 5)
    .option('--height <A>', 'cylinder height along the zone axis, Å', parseNumber, 20)
    .option('--semi-axes <a,b,c>', 'ellipsoid semi-axes along u, v and the zone axis, Å', parseVec3)
    .option('--center <x,y,z>', 'probe centre, Å', parseVec3)
    .option('--centers <file>', 'probe centres, one x,y,z per line (a header line and blank lines are allowed)')
    .option('--zone <axis>', 'zone axis: x, y, z or ux,uy,uz', parseZone, 'z' as ZoneAxis)
    .option('--kmax <invA>', 'largest |K| (Å⁻¹, K = 1/d)', parseNumber, DEFAULT_KMAX_INV_A)
    .option('--dk <invA>', 'pixel size Δk (Å⁻¹)', parseNumber, DEFAULT_DELTA_K_INV_A)
    .option('--beam-kev <kV>', 'accelerating voltage: take the pattern on the Ewald sphere (default: the flat plane)', parseNumber)
    .option('--raw', 'write the raw intensity I(K) as float64 instead of the float32 model input')
    .requiredOption('--out <file>', '.npy output: side × side, or M × side × side with --centers')
    .action((file: string, opts: DiffractOptions) => {
      if ((opts.center === undefined) === (opts.centers === undefined)) throw new Error('give either --center x,y,z or --centers FILE');
      const shape = shapeOf(opts);
      const grid = { kmaxInvA: opts.kmax, deltaKInvA: opts.dk };
      // Everything the options alone can refuse is refused before the structure is read.
      patternGrid(grid, opts.zone);
      const centers = opts.center !== undefined ? [opts.center] : readCenters(opts.centers as string);
      const structure = readFile(file, opts);
      const { elements, species } = speciesOf(structure);
      const factors = readScatteringFactors('electron', path.join(resourcesDir, ELECTRON_FACTORS_RESOURCE));
      const simulator = new NbedSimulator(
        { positions: structure.positions, cell: structure.cell, ids: structure.ids, species, elements },
        { shape, zone: opts.zone, grid, factors, ...(opts.beamKev !== undefined ? { beamEnergyKeV: opts.beamKev } : {}) },
      );
      // Every probe is selected (and an empty one refused) before any pattern is computed or any file written.
      const probes = centers.map((center, k) => {
        try {
          return simulator.probe(center);
        } catch (error) {
          // Say which centre: the option, or the centre's place in the --centers file.
          if (error instanceof ProbeInputError) {
            throw new Error(`${opts.center !== undefined ? '--center' : `${opts.centers as string}, centre ${k + 1}`}: ${error.message}`);
          }
          throw error;
        }
      });
      const order = bondOrientationalOrder({ positions: structure.positions, cell: structure.cell, ids: structure.ids });

      const side = simulator.side;
      const shapeOut = opts.center !== undefined ? [side, side] : [centers.length, side, side];
      const out = path.resolve(opts.out);
      const tmp = `${out}.tmp-${process.pid}`;
      const raw = new Float64Array(side * side);
      const input = new Float32Array(side * side);
      const fd = fs.openSync(tmp, 'w');
      try {
        // Streamed one pattern at a time, so that many centres need no more memory than one.
        fs.writeSync(fd, npyHeader(opts.raw ? '<f8' : '<f4', shapeOut));
        for (const probe of probes) {
          simulator.patternOf(probe, raw);
          const data = opts.raw ? raw : modelInput(raw, input);
          fs.writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        }
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(tmp, out);
      } catch (error) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
        fs.rmSync(tmp, { force: true });
        throw error;
      }
      const elementOfAtom = (atom: number): string => elements[species[atom] as number] as string;
      probes.forEach((probe, k) => process.stdout.write(`${probeSummary(centers[k] as Vec3, probe, order.d, elementOfAtom)}\n`));
      process.stderr.write(
        `diffract: ${probes.length} ${opts.raw ? 'raw' : 'model-input'} pattern(s) ${side} × ${side} (${simulator.selector.shape.kind}, zone ${String(opts.zone)}) → ${out}\n`,
      );
    });
}
