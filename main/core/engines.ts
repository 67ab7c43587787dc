/** Finds the external engines (LAMMPS, PyTorch, Chromium) and says what is disabled while one is missing. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { EngineStatus, Settings } from '../shared/domain';

/** Runs a probe without blocking the app's event loop (importing torch takes seconds). */
function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 20_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, out: `${stdout ?? ''}${stderr ?? ''}` || (error?.message ?? '') });
    });
  });
}

export async function lammpsStatus(lmpPath: string): Promise<EngineStatus> {
  const r = await run(lmpPath, ['-h']);
  const version = /Large-scale Atomic\/Molecular Massively Parallel Simulator - (.+)/.exec(r.out)?.[1]?.trim();
  return {
    name: 'lammps',
    available: version !== undefined,
    detail: version !== undefined ? `${lmpPath}: LAMMPS ${version}` : `${lmpPath} not usable (${r.out.split('\n')[0] ?? 'no output'})`,
    disables: 'structure simulation (simulate jobs) and the LAMMPS validation tests',
  };
}

export async function pytorchStatus(python3Path: string): Promise<EngineStatus> {
  const r = await run(python3Path, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)']);
  const versions = r.ok ? r.out.trim().split(/\s+/) : [];
  return {
    name: 'pytorch',
    available: r.ok,
    detail: r.ok
      ? `${python3Path}: torch ${versions[0] ?? '?'}, torchvision ${versions[1] ?? '?'}`
      : `${python3Path} cannot import torch and torchvision`,
    disables: 'model training (train jobs)',
  };
}

export function chromiumStatus(): EngineStatus {
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((c) => fs.existsSync(c));
  return {
    name: 'chromium',
    available: found !== undefined,
    detail: found ?? 'no Chromium found',
    disables: 'the end-to-end GUI tests and opening the browser shell automatically',
  };
}

export async function engineStatuses(settings: Settings): Promise<EngineStatus[]> {
  const [lammps, pytorch] = await Promise.all([lammpsStatus(settings.lmpPath), pytorchStatus(settings.python3Path)]);
  return [lammps, pytorch, chromiumStatus()];
}
