#!/usr/bin/env node
// `npm start`: the GUI on the bundled demo project. Electron when its binary is present and a display exists,
// otherwise the browser shell on 127.0.0.1 with the URL printed (and opened when a browser is at hand).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ssro = path.join(root, 'bin', 'ssro.js');
const demoSource = path.join(root, 'resources', 'demo');
const demoProject = process.env.SSRO_DEMO_PROJECT ?? path.join(os.homedir(), 'SSRO Studio', 'demo-project');
const log = (line) => process.stderr.write(`[start] ${line}\n`);

function cli(args) {
  const r = spawnSync(process.execPath, [ssro, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`ssro ${args.join(' ')} failed`);
  return r.stdout.trim();
}

// The demo project: created once from resources/demo/demo.json, by the app's own import.
if (!fs.existsSync(path.join(demoProject, 'project.sqlite'))) {
  log(`creating the demo project in ${demoProject}`);
  cli(['project', 'init', demoProject, '--name', 'Demo: Cu-Zr']);
  const manifest = JSON.parse(fs.readFileSync(path.join(demoSource, 'demo.json'), 'utf8'));
  for (const item of manifest.structures) {
    const args = ['import', demoProject, path.join(demoSource, item.file), '--name', item.name];
    if (item.elements) args.push('--elements', item.elements);
    const kept = path.join(demoSource, item.file.replace(/\.data$/, '.simulation'));
    if (fs.existsSync(path.join(kept, 'provenance.json'))) args.push('--provenance', kept);
    const id = cli(args);
    log(`importing ${item.file} → structure ${id}`);
    // Order labels too, so the demo opens with d, CNA and Voronoi ready to colour by.
    log(`order labels of structure ${id} → label set ${cli(['label', demoProject, id])}`);
  }
}

// The bundled default model (resources/models, made by its generate.sh), registered once, and its
// prediction of the held-out complexion (a boundary it never saw), so the model page opens with Fig. 6 and Fig. 8.
const bundledModel = path.join(root, 'resources', 'models', 'ssro-ensemble.onnx');
const modelName = 'SSRO ensemble (bundled)';
if (fs.existsSync(bundledModel)) {
  const models = JSON.parse(cli(['model', 'list', demoProject, '--json']));
  if (!models.some((m) => m.name === modelName)) {
    const modelId = cli(['model', 'import', demoProject, bundledModel, '--name', modelName]);
    log(`bundled model → model ${modelId}`);
    const structures = JSON.parse(cli(['structures', demoProject, '--json']));
    const heldOut = structures.find((s) => /seed 54321/.test(s.name));
    if (heldOut) {
      const datasetId = cli(['dataset', 'build', demoProject, '--source', String(heldOut.id), '--zone', 'z', '--step', '2.5', '--region-axis', 'x',
        '--name', 'held-out complexion (seed 54321): cylinder r5 h20, zone z, 2.5 Å grid']);
      log(`held-out patterns → dataset ${datasetId}; prediction ${cli(['model', 'predict', demoProject, modelId, '--dataset', datasetId, '--name', 'unseen boundary (seed 54321)'])}`);
      // The same patterns as a 4D-STEM scan file (no calibration in it, as with NumPy files), mapped in the
      // Experiments tab with the pixel size and scan step given, so the demo opens with a map too.
      const scan = writeDemoScan(datasetId);
      if (scan) {
        const mapId = cli(['model', 'map', demoProject, modelId, scan.file, '--calibration', String(scan.deltaKInvA), '--scan-step', String(scan.stepNm), '--denoise', 'none',
          '--name', 'held-out boundary as a 4D-STEM scan (simulated)']);
        log(`demo scan ${scan.file} → map ${mapId}`);
      }
    }
  }
} else {
  log(`no bundled model at ${bundledModel}: the demo project has no model (resources/models/generate.sh makes one)`);
}

/**
 * Writes a project dataset's raw patterns as a 4D NumPy scan (rows, cols, side, side) of its first scan, when the
 * dataset is one scan of one probe and zone (then pattern k is scan position k), in the demo project's
 * `experiments/` folder. Returns null for any other dataset.
 */
function writeDemoScan(datasetId) {
  const { PatternReader, META_COLUMNS } = require(path.join(root, 'dist', 'native-workers', 'lib', 'datasets', 'pattern-store.js'));
  const { writeNpy } = require(path.join(root, 'dist', 'native-workers', 'lib', 'npy.js'));
  const { Project } = require(path.join(root, 'dist', 'main', 'core', 'project', 'project.js'));
  const project = Project.open(demoProject);
  let dir;
  try {
    dir = project.datasets.folder(Number(datasetId));
  } finally {
    project.close();
  }
  const reader = PatternReader.open(dir);
  try {
    const { manifest } = reader;
    if (manifest.zones.length !== 1 || manifest.probes.length !== 1 || manifest.structures.length !== 1) return null;
    // The scan's layout from the probe centres (meta.npy): row-major positions, rows along y, a constant step.
    const meta = reader.readMeta();
    const width = meta.length / manifest.sampleCount;
    const column = (name) => META_COLUMNS.indexOf(name);
    const ys = [];
    for (let k = 0; k < manifest.sampleCount; k++) {
      if (meta[k * width + column('scan_position')] !== k) return null;
      const y = Math.round(meta[k * width + column('centre_y_A')] * 1e4) / 1e4;
      if (ys.at(-1) !== y) ys.push(y);
    }
    const rows = ys.length;
    const cols = manifest.sampleCount / rows;
    const stepA = Math.abs(meta[width + column('centre_x_A')] - meta[column('centre_x_A')]);
    if (!Number.isInteger(cols) || rows < 2 || cols < 2 || !(stepA > 0)) return null;
    const scan = { rows, cols, stepA };
    const side = manifest.side;
    const stack = new Float32Array(manifest.sampleCount * side * side);
    for (let k = 0; k < manifest.sampleCount; k++) stack.set(reader.readPattern(k), k * side * side);
    const file = path.join(demoProject, 'experiments', 'held-out-boundary-scan.npy');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeNpy(file, stack, [scan.rows, scan.cols, side, side]);
    return { file, deltaKInvA: manifest.grid.deltaKInvA, stepNm: scan.stepA / 10 };
  } finally {
    reader.close();
  }
}

function electronBinary() {
  try {
    const bin = require('electron');
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) || process.platform !== 'linux';
if (electron && hasDisplay && !process.env.SSRO_BROWSER) {
  log('starting the Electron app');
  const child = spawn(electron, [root, `--project=${demoProject}`], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  log(electron ? 'no display: using the browser shell' : 'Electron is not installed here: using the browser shell');
  const child = spawn(process.execPath, [ssro, 'serve', demoProject, ...(process.env.SSRO_PORT ? ['--port', process.env.SSRO_PORT] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    process.stdout.write(text);
    const url = /https?:\/\/\S+/.exec(text)?.[0];
    if (url && hasDisplay) {
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => {});
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
