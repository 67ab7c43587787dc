/** `ssro diffract` as a user runs it (compiled, in a child process): .npy output, JSON lines, stacks, and refusals. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../native-workers/lib/npy';
import { tempDir } from '../support/temp';

const bin = path.resolve('bin/ssro.js');
function ssro(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A 5 × 5 × 5 FCC Cu–Zr crystal (500 atoms, a = 3.615 Å, 18.075 Å periodic cube), types fixed by a simple rule. */
function fccData(): string {
  const a = 3.615;
  const cells = 5;
  const lines: string[] = [];
  let id = 0;
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < cells; j++) {
      for (let k = 0; k < cells; k++) {
        for (const [bx, by, bz] of [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]] as const) {
          id++;
          const type = id % 3 === 0 ? 2 : 1;
          lines.push(`${id} ${type} ${(i + bx) * a} ${(j + by) * a} ${(k + bz) * a}`);
        }
      }
    }
  }
  const l = cells * a;
  return `FCC Cu-Zr for the diffract CLI test\n\n${id} atoms\n2 atom types\n\n0 ${l} xlo xhi\n0 ${l} ylo yhi\n0 ${l} zlo zhi\n\nMasses\n\n1 63.546\n2 91.224\n\nAtoms # atomic\n\n${lines.join('\n')}\n`;
}

interface ProbeLine {
  center: number[];
  atoms: number;
  dMean: number;
  elements: Record<string, number>;
}

function jsonLines(stdout: string): ProbeLine[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ProbeLine);
}

describe('ssro diffract', () => {
  let dir = '';
  let data = '';
  beforeAll(() => {
    dir = tempDir();
    data = path.join(dir, 'fcc.data');
    fs.writeFileSync(data, fccData());
  });

  it('writes one 133 × 133 float32 model-input pattern and a JSON line for the probe', () => {
    const out = path.join(dir, 'one.npy');
    const r = ssro('diffract', data, '--elements', 'Cu,Zr', '--probe', 'cylinder', '--radius', '5', '--height', '10', '--center', '9,9,9', '--out', out);
    expect(r.stderr).toMatch(/diffract: 1 model-input pattern\(s\) 133 × 133/);
    expect(r.status).toBe(0);
    const npy = readNpy(out);
    expect(npy.dtype).toBe('<f4');
    expect(npy.shape).toEqual([133, 133]);
    const values = [...(npy.data as Float32Array)];
    expect(Math.min(...values)).toBe(0);
    expect(Math.max(...values)).toBe(1);
    const [line] = jsonLines(r.stdout);
    expect(line?.center).toEqual([9, 9, 9]);
    expect(line?.atoms).toBeGreaterThan(30);
    expect((line?.elements.Cu ?? 0) + (line?.elements.Zr ?? 0)).toBe(line?.atoms);
    // A perfect crystal: d_i = 0 for every atom.
    expect(line?.dMean).toBeCloseTo(0, 6);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes raw float64 intensities with --raw, on the grid and zone asked for', () => {
    const out = path.join(dir, 'raw.npy');
    const r = ssro('diffract', data, '--elements', 'Cu,Zr', '--probe', 'ellipsoid', '--semi-axes', '4,5,6', '--zone', '1,1,0', '--kmax', '0.5', '--dk', '0.05', '--raw', '--center', '8,8,8', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const npy = readNpy(out);
    expect(npy.dtype).toBe('<f8');
    expect(npy.shape).toEqual([21, 21]);
    // The direct beam: (Σ f(0))² / N, the brightest node.
    const center = (npy.data as Float64Array)[10 * 21 + 10] as number;
    expect(center).toBe(Math.max(...(npy.data as Float64Array)));
    expect(jsonLines(r.stdout)).toHaveLength(1);
  });

  it('stacks --centers into (M, side, side), skipping a header and blank lines; Ewald and clusters work too', () => {
    const centers = path.join(dir, 'centers.csv');
    fs.writeFileSync(centers, 'x,y,z\n\n9,9,9\n  2.5, 3.5 ,4.5\n\n-1,20,7\n');
    const stack = path.join(dir, 'stack.npy');
    const args = ['diffract', data, '--elements', 'Cu,Zr', '--probe', 'cluster', '--kmax', '1', '--dk', '0.05', '--beam-kev', '200', '--out'];
    const r = ssro(...args, stack, '--centers', centers);
    expect(r.status, r.stderr).toBe(0);
    const npy = readNpy(stack);
    expect(npy.shape).toEqual([3, 41, 41]);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.center)).toEqual([[9, 9, 9], [2.5, 3.5, 4.5], [-1, 20, 7]]);
    expect(lines.every((l) => l.atoms === 13)).toBe(true);
    // The second slice is the pattern of the second centre alone.
    const single = path.join(dir, 'single.npy');
    expect(ssro(...args, single, '--center', '2.5,3.5,4.5').status).toBe(0);
    expect([...(readNpy(single).data as Float32Array)]).toEqual([...(npy.data as Float32Array).subarray(41 * 41, 2 * 41 * 41)]);
  });

  it('refuses bad input with one clear line on stderr, exit 1, and no output file', () => {
    const out = path.join(dir, 'bad.npy');
    const badCenters = path.join(dir, 'bad.csv');
    fs.writeFileSync(badCenters, 'x,y,z\n1,2,3\n4,5\n');
    const cases: [string[], RegExp][] = [
      [['--centers', badCenters], /bad\.csv, line 3: expected a centre x,y,z/],
      [['--center', '9,9,9', '--height', '30'], /spans 30 Å across periodic cell direction c.*twice/],
      [['--center', '9,9,9', '--radius', '0'], /radius must be a positive number of Å, got 0/],
      [['--center', '1.8075,0.9,0.9', '--radius', '0.1', '--height', '0.1'], /no atoms within the cylinder \(r = 0\.1 Å, h = 0\.1 Å\) at \(1\.8075, 0\.9, 0\.9\)/],
      [['--center', '9,9,9', '--probe', 'ellipsoid'], /needs --semi-axes/],
      [['--center', '9,9,9', '--centers', badCenters], /either --center x,y,z or --centers FILE/],
      [['--center', '9,9,9', '--zone', '0,0,0'], /zero vector/],
      [['--center', '9,9,9', '--kmax', '0'], /kmax must be a positive number/],
      [['--center', '9,9,9', '--dk', '0.0001'], /more than 2049 per side|wider than 2049/],
      [['--center', '9,9'], /three numbers/],
    ];
    for (const [extra, message] of cases) {
      const r = ssro('diffract', data, '--elements', 'Cu,Zr', '--out', out, ...extra);
      expect(r.status, extra.join(' ')).toBe(1);
      expect(r.stderr, extra.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const unknown = ssro('diffract', data, '--elements', 'Cu,Es', '--center', '9,9,9', '--out', out);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^ssro: no electron scattering factor for element 'Es'/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });
});
