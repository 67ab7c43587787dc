#!/usr/bin/env node
// Set-up shared by `npm start` and `npm test`: installs the npm dependencies (without Electron's or onnxruntime's
// downloads, which need hosts this machine may not reach) and, on Debian as root, the system engines. Elsewhere it
// prints exactly what is missing and which features that disables. Node built-ins only: it runs before npm ci.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'start';
const log = (line) => process.stderr.write(`[setup] ${line}\n`);

function run(cmd, args, options = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  return r.status === 0;
}

function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

// 1. Node itself.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  log(`Node.js ${process.versions.node} is too old; SSRO Studio needs Node.js 20.19 or newer.`);
  process.exit(1);
}

// 2. npm dependencies, when missing or older than the lock file.
const installEnv = {
  ...process.env,
  ELECTRON_SKIP_BINARY_DOWNLOAD: process.env.SSRO_WITH_ELECTRON ? '' : '1',
  // onnxruntime-node ships its CPU binaries in the package; its install script would only fetch CUDA add-ons.
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const stale = !fs.existsSync(installed) || fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs + 1000;
if (stale) {
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], { env: installEnv })) {
    log('npm ci failed (see above). Without the npm dependencies nothing runs.');
    process.exit(1);
  }
}
// Electron is optional: where its binary could not be downloaded npm drops the package, but its type
// declarations are still needed to compile the Electron shell. Add it back without the binary.
if (!fs.existsSync(path.join(root, 'node_modules', 'electron', 'package.json'))) {
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).optionalDependencies.electron;
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `electron@${version}`], {
    env: { ...installEnv, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
}

// 3. System engines later stages drive.
const python3 = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const engines = [
  { pkg: 'lammps', ok: () => quiet('lmp', ['-h']).ok, disables: 'structure simulation and the LAMMPS validation tests' },
  { pkg: 'lammps-data', ok: () => fs.existsSync('/usr/share/lammps/potentials/CuZr_mm.eam.fs'), disables: 'the bundled Cu-Zr potential (CuZr_mm.eam.fs)' },
  { pkg: 'python3-torch', ok: () => quiet(python3, ['-c', 'import torch']).ok, disables: 'model training' },
  { pkg: 'python3-torchvision', ok: () => quiet(python3, ['-c', 'import torchvision']).ok, disables: 'model training (ResNet-18)' },
  { pkg: 'chromium', ok: () => fs.existsSync('/usr/bin/chromium'), disables: 'the end-to-end GUI tests' },
  { pkg: 'voro++', ok: () => quiet('voro++', ['-h']).ok || quiet('which', ['voro++']).ok, disables: 'the Voronoi validation against voro++' },
  { pkg: 'python3-hyperspy', ok: () => quiet(python3, ['-c', 'import hyperspy.api']).ok, disables: 'the microscopy readers\' comparison with HyperSpy on its real DM/EMD/BLO/EMPAD/TIFF files' },
  { pkg: 'python3-skimage', ok: () => quiet(python3, ['-c', 'import skimage.restoration']).ok, disables: 'the TV-denoising comparison with scikit-image' },
  { pkg: 'python3-h5py', ok: () => quiet(python3, ['-c', 'import h5py']).ok, disables: 'the HDF5/EMD tests that write files with h5py' },
  { pkg: 'python3-zarr', ok: () => quiet(python3, ['-c', 'import zarr']).ok, disables: "the .zspy reader's comparison with HyperSpy (HyperSpy writes .zspy with zarr)" },
];
let missing = engines.filter((e) => !e.ok());
const isDebian = fs.existsSync('/etc/debian_version');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (missing.length > 0 && isDebian && isRoot && !process.env.SSRO_NO_APT) {
  const pkgs = missing.map((e) => e.pkg);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) && run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env })) {
    missing = engines.filter((e) => !e.ok());
  }
}
for (const e of missing) {
  log(`missing: ${e.pkg} — this disables ${e.disables}.` + (isDebian ? ` Install it with: sudo apt-get install ${e.pkg}` : ''));
}
if (missing.length === 0) log(`engines ready: ${engines.map((e) => e.pkg).join(', ')}`);
