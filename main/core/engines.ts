/**
 * Finds the external engines (LAMMPS, PyTorch, Chromium) and says what is disabled while one is missing. Probing
 * runs the program, so a project's stored paths go through `projectEngineStatuses`, which runs only confirmed ones.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { EngineStatus, Settings } from '../shared/domain';
import type { EngineChoice, EngineChoices } from './engine-trust';
import { ssroTorchDir, torchEnv, TORCH_INSTALL_HINT } from '../../native-workers/lib/models/torch-engine';

/** Runs a probe without blocking the app's event loop (importing torch takes seconds). */
function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ ok: boolean; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000, maxBuffer: 4 * 1024 * 1024, ...options }, (error, stdout, stderr) => {
      resolve({ ok: error === null, out: `${stdout ?? ''}${stderr ?? ''}` || (error?.message ?? ''), stdout: stdout ?? '' });
    });
  });
}

interface TorchProbe {
  event?: string;
  message?: string;
  torch?: string;
  torchvision?: string;
  cuda?: boolean;
  cudaDevices?: string[];
  mps?: boolean;
}

const LAMMPS_DISABLES = 'structure simulation (simulate jobs) and the LAMMPS validation tests';
const PYTORCH_DISABLES = 'model training (train jobs); inference with onnxruntime still works';

export async function lammpsStatus(lmpPath: string): Promise<EngineStatus> {
  const r = await run(lmpPath, ['-h']);
  const version = /Large-scale Atomic\/Molecular Massively Parallel Simulator - (.+)/.exec(r.out)?.[1]?.trim();
  return {
    name: 'lammps',
    available: version !== undefined,
    detail: version !== undefined ? `${lmpPath}: LAMMPS ${version}` : `${lmpPath} not usable (${r.out.split('\n')[0] ?? 'no output'})`,
    disables: LAMMPS_DISABLES,
  };
}

/** The training engine: ssro_torch.probe with the configured Python reports torch's version and its devices. */
export async function pytorchStatus(python3Path: string): Promise<EngineStatus> {
  let engineDir: string;
  try {
    engineDir = ssroTorchDir();
  } catch (error) {
    return { name: 'pytorch', available: false, detail: `the training engine's Python package is missing (${(error as Error).message})`, disables: PYTORCH_DISABLES };
  }
  const r = await run(python3Path, ['-m', 'ssro_torch.probe'], { cwd: engineDir, env: torchEnv() });
  let probe: TorchProbe | null = null;
  try {
    probe = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as TorchProbe;
  } catch {
    probe = null;
  }
  const available = r.ok && probe?.event === 'probe';
  let detail: string;
  if (available && probe) {
    const devices = [...(probe.cuda ? [`cuda (${(probe.cudaDevices ?? []).join(', ') || 'GPU'})`] : []), ...(probe.mps ? ['mps'] : []), 'cpu'];
    detail = `${python3Path}: torch ${probe.torch ?? '?'}, torchvision ${probe.torchvision ?? '?'}; devices ${devices.join(', ')}`;
  } else if (/ENOENT/.test(r.out)) {
    detail = `${python3Path} not found; ${TORCH_INSTALL_HINT}`;
  } else {
    detail = `${probe?.message ?? `${python3Path} cannot import torch and torchvision`}${probe?.message ? '' : `; ${TORCH_INSTALL_HINT}`}`;
  }
  return { name: 'pytorch', available, detail, disables: PYTORCH_DISABLES };
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

/** Probes the paths as given: the person's own words (defaults, or `ssro doctor --lmp`). */
export async function engineStatuses(settings: Settings): Promise<EngineStatus[]> {
  const [lammps, pytorch] = await Promise.all([lammpsStatus(settings.lmpPath), pytorchStatus(settings.python3Path)]);
  return [lammps, pytorch, chromiumStatus()];
}

/** A project's engines: confirmed paths are probed; an unconfirmed one is reported unusable without running it. */
export async function projectEngineStatuses(choices: EngineChoices): Promise<EngineStatus[]> {
  const unconfirmed = (name: EngineStatus['name'], choice: EngineChoice & { trusted: false }, disables: string): EngineStatus => ({
    name,
    available: false,
    detail: choice.message,
    disables,
  });
  const lmp = choices.lmpPath;
  const python = choices.python3Path;
  const [lammps, pytorch] = await Promise.all([
    lmp.trusted ? lammpsStatus(lmp.path) : unconfirmed('lammps', lmp, LAMMPS_DISABLES),
    python.trusted ? pytorchStatus(python.path) : unconfirmed('pytorch', python, PYTORCH_DISABLES),
  ]);
  return [lammps, pytorch, chromiumStatus()];
}
