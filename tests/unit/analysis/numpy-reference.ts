/** NumPy as a peer: runs the system Python (when it has numpy) on JSON input and returns its JSON output. */
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

export const numpyAvailable = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** numpy.percentile(values, percents) (default method 'linear') for each group; JSON floats round-trip exactly. */
export function numpyPercentiles(groups: number[][], percents: number[]): number[][] {
  const script = `
import json, sys, numpy as np
data = json.load(sys.stdin)
print(json.dumps([[float(v) for v in np.percentile(np.array(g, dtype=float), data['p'])] if len(g) else [] for g in data['groups']]))`;
  const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ groups, p: percents }), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`numpy failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as number[][];
}
