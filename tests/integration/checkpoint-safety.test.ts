/**
 * No code runs from a model file. PyTorch files are pickles, and unpickling may call any function the file names; every
 * way SSRO Studio reads one (ssro model import-torch, ssro model import and the models.import channel, ssro_torch.predict,
 * training resume from last.pt, initial weights) must refuse a crafted checkpoint with a message saying why, before
 * the payload runs. Each payload here would create its own marker file (a `__reduce__` calling os.system); a control
 * copy loaded the unsafe way shows that it does. A whole pickled nn.Module and a TorchScript archive are refused too,
 * while state_dicts, checkpoint wrappers and our own training checkpoints still load.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { createHandlers, dispatch, type Handlers } from '../../main/core/api/handlers';
import { Project } from '../../main/core/project/project';
import { writeNpy } from '../../native-workers/lib/npy';
import { addSyntheticDataset, SYNTHETIC_GRID, SYNTHETIC_SIDE } from '../support/synthetic-dataset';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const PY_DIR = path.resolve('native-workers/train/python');
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const bin = path.resolve('bin/ssro.js');
const env = { ...process.env, PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1' };
const GRID_ARGS = ['--kmax', String(SYNTHETIC_GRID.kmaxInvA), '--delta-k', String(SYNTHETIC_GRID.deltaKInvA)];

/** What every refusal of the payload says: what the file holds and why it is not loaded… */
const REFUSED = /holds pickled Python objects \(posix\.system\), not only tensors; SSRO Studio loads only state_dicts \(weights\), because unpickling other objects can run any code; /;
/** …and, for a model file, what to do. */
const WHY = new RegExp(`${REFUSED.source}.*torch\\.save\\(model\\.state_dict\\(\\), 'weights\\.pt'\\)`);

interface EngineEvent {
  event: string;
  [key: string]: unknown;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  events: EngineEvent[];
}

function events(stdout: string): EngineEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as EngineEvent);
}

function ssro(...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events: [] };
}

function python(args: string[]): Run {
  const r = spawnSync(PYTHON, args, { cwd: PY_DIR, env, encoding: 'utf8', timeout: 150_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events: events(r.stdout) };
}

function engineError(run: Run): string {
  return String(run.events.find((e) => e.event === 'error')?.message ?? '');
}

function expectSuccess(run: Run): void {
  if (run.status !== 0) throw new Error(`exited ${run.status}: ${engineError(run)}\n${run.stderr.slice(-3000)}`);
}

/**
 * Writes the test's files into `work`: a basecnn state_dict, wrappers of it, a whole pickled model, a TorchScript
 * archive, and for each entry point `evil-<name>.pt`: a real checkpoint layout plus an object whose unpickling runs
 * `touch markers/<name>`. The control file is then loaded the unsafe way, which must create markers/control.
 */
const CRAFT = String.raw`
import os, pickle, shlex, sys
import numpy as np, torch
from ssro_torch.models import BaseCNN

work, side = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(work, 'markers'), exist_ok=True)

class Payload:
    def __init__(self, name):
        self.name = name
    def __reduce__(self):
        return (os.system, ('touch ' + shlex.quote(os.path.join(work, 'markers', self.name)),))

def out(name):
    return os.path.join(work, name)

torch.manual_seed(0)
model = BaseCNN(side)
sd = model.state_dict()
torch.save(sd, out('weights.pt'))
torch.save({'state_dict': sd, 'epoch': 3, 'arch': 'basecnn', 'note': None}, out('wrapped.pt'))
torch.save(model, out('whole-model.pt'))
torch.jit.save(torch.jit.script(model), out('scripted.pt'))
for name in ('control', 'import-torch', 'project-import', 'channel', 'predict', 'init-state-dict', 'imagenet'):
    torch.save({'state_dict': sd, 'extra': Payload(name)}, out('evil-' + name + '.pt'))
# A bare pickle (protocol 4, as pickle.dump writes), named like a checkpoint.
with open(out('evil-raw.pt'), 'wb') as f:
    pickle.dump({'model': Payload('raw')}, f)
# A checkpoint as SSRO Studio wrote them before they became weights-only (NumPy RNG state, Python floats).
torch.save({'format': 'ssro-train-checkpoint', 'version': 1, 'epoch': 1, 'model': sd, 'bestModel': sd,
            'rng': {'numpy': np.random.get_state()}, 'history': [{'epoch': 1, 'valLoss': 0.25}]}, out('old-last.pt'))
torch.load(out('evil-control.pt'), weights_only=False)
print('{"event":"crafted","control":%s}' % ('true' if os.path.exists(os.path.join(work, 'markers', 'control')) else 'false'))
`;

/** Adds Payload('resume') to a real last.pt (read safely) and writes it to argv[2]: a tampered checkpoint. */
const TAMPER = String.raw`
import os, shlex, sys, torch
src, dst, marker = sys.argv[1:4]

class Payload:
    def __reduce__(self):
        return (os.system, ('touch ' + shlex.quote(marker),))

checkpoint = torch.load(src, map_location='cpu', weights_only=True)
checkpoint['note'] = Payload()
torch.save(checkpoint, dst)
`;

const title = torchAvailable
  ? 'checkpoint safety: no code runs from a model file'
  : `checkpoint safety — skipped: ${PYTHON} cannot import torch (apt install python3-torch python3-torchvision)`;

describe.skipIf(!torchAvailable)(title, () => {
  const work = tempDir('ssro-checkpoint-safety-');
  const markers = path.join(work, 'markers');
  const projectDir = path.join(work, 'project');
  const file = (name: string): string => path.join(work, name);
  const marker = (name: string): string => path.join(markers, name);
  let datasetDir = '';
  let splitFile = '';

  beforeAll(() => {
    const crafted = python(['-c', CRAFT, work, String(SYNTHETIC_SIDE)]);
    expectSuccess(crafted);
    // The payload is real: loading the control file the unsafe way ran it.
    expect(crafted.events).toContainEqual({ event: 'crafted', control: true });
    expect(fs.existsSync(marker('control'))).toBe(true);

    expect(ssro('project', 'init', projectDir).status).toBe(0);
    const project = Project.open(projectDir);
    try {
      const data = addSyntheticDataset(project, { rows: 1, cols: 40 });
      datasetDir = data.dir;
      splitFile = path.join(work, 'split.npy');
      writeNpy(splitFile, Int8Array.from({ length: data.labels.length }, (_, i) => (i % 4 === 0 ? 1 : 0)), [data.labels.length]);
    } finally {
      project.close();
    }
  });

  it('ssro model import-torch refuses a crafted checkpoint and a bare pickle, saying why, and runs neither', () => {
    for (const name of ['import-torch', 'raw']) {
      const onnx = file(`${name}.onnx`);
      const r = ssro('model', 'import-torch', file(`evil-${name}.pt`), '--out', onnx, '--model', 'basecnn', ...GRID_ARGS);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`evil-${name}.pt holds pickled Python objects`);
      expect(r.stderr).toMatch(WHY);
      expect(r.stderr).not.toMatch(/Traceback/);
      expect(fs.existsSync(marker(name))).toBe(false);
      expect(fs.existsSync(onnx)).toBe(false);
    }
  });

  it('a whole pickled nn.Module and a TorchScript archive are refused with the reason; state_dicts and wrappers load', () => {
    const whole = ssro('model', 'import-torch', file('whole-model.pt'), '--out', file('whole.onnx'), '--model', 'basecnn', ...GRID_ARGS);
    expect(whole.status).toBe(1);
    expect(whole.stderr).toMatch(/whole-model\.pt holds pickled Python objects \([^)]*torch\.nn\.modules\.[^)]*\), a whole pickled model \(torch\.save\(model, …\)\), not only its weights; SSRO Studio loads only state_dicts \(weights\)/);
    expect(fs.existsSync(file('whole.onnx'))).toBe(false);

    const scripted = ssro('model', 'import-torch', file('scripted.pt'), '--out', file('scripted.onnx'), '--model', 'basecnn', ...GRID_ARGS);
    expect(scripted.status).toBe(1);
    expect(scripted.stderr).toMatch(/scripted\.pt is a TorchScript archive \(torch\.jit\.save\): a program, not a state_dict; SSRO Studio loads only state_dicts/);

    for (const name of ['weights', 'wrapped']) {
      const onnx = file(`${name}.onnx`);
      const ok = ssro('model', 'import-torch', file(`${name}.pt`), '--out', onnx, '--model', 'basecnn', ...GRID_ARGS);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toBe(onnx);
    }
  });

  it('ssro model import PROJECT evil.pt refuses the file with the reason and registers nothing', () => {
    const r = ssro('model', 'import', projectDir, file('evil-project-import.pt'), '--model', 'basecnn', '--target', 'd', ...GRID_ARGS);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('evil-project-import.pt holds pickled Python objects');
    expect(r.stderr).toMatch(WHY);
    expect(fs.existsSync(marker('project-import'))).toBe(false);
    const list = ssro('model', 'list', projectDir, '--json');
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  describe('the models.import channel', () => {
    let core: AppCore;
    let handlers: Handlers;
    beforeAll(async () => {
      core = new AppCore();
      handlers = createHandlers(core);
      await dispatch(handlers, 'project.create', { path: path.join(work, 'channel-project') });
    });
    afterAll(async () => {
      await core.dispose();
    });

    it('answers a crafted checkpoint with the reason, and nothing runs', async () => {
      const request = { path: file('evil-channel.pt'), architecture: 'basecnn', target: 'd', kmaxInvA: SYNTHETIC_GRID.kmaxInvA, deltaKInvA: SYNTHETIC_GRID.deltaKInvA };
      await expect(dispatch(handlers, 'models.import', request)).rejects.toThrow(WHY);
      expect(fs.existsSync(marker('channel'))).toBe(false);
      expect(await dispatch(handlers, 'models.list', {})).toEqual([]);
    });
  });

  it('ssro_torch.predict refuses a crafted checkpoint (exit 2, the reason in its error event) and predicts with a state_dict', () => {
    const stack = file('stack.npy');
    writeNpy(stack, Float32Array.from({ length: 3 * SYNTHETIC_SIDE ** 2 }, (_, i) => 1 + (i % 97)), [3, SYNTHETIC_SIDE, SYNTHETIC_SIDE]);
    const refused = python(['-m', 'ssro_torch.predict', '--weights', file('evil-predict.pt'), '--model', 'basecnn', '--input', stack, '--out', file('p.npy')]);
    expect(refused.status).toBe(2);
    expect(engineError(refused)).toMatch(WHY);
    expect(fs.existsSync(marker('predict'))).toBe(false);
    expect(fs.existsSync(file('p.npy'))).toBe(false);

    const ok = python(['-m', 'ssro_torch.predict', '--weights', file('weights.pt'), '--model', 'basecnn', '--input', stack, '--out', file('p.npy')]);
    expectSuccess(ok);
    expect(ok.events.find((e) => e.event === 'done')?.count).toBe(3);
  });

  it('training: our last.pt loads weights-only and resumes; a tampered or old-format last.pt and crafted initial weights are refused', () => {
    const config = (outDir: string, extra: Record<string, unknown> = {}): string => {
      const configFile = path.join(work, `${path.basename(outDir)}.json`);
      const value = { datasetDir, splitFile, outDir, model: 'basecnn', epochs: 1, batchSize: 16, device: 'cpu', threads: 1, exportOnnx: false, bestAfterEpoch: 0, ...extra };
      fs.writeFileSync(configFile, JSON.stringify(value));
      return configFile;
    };
    const runA = path.join(work, 'run-a');
    expectSuccess(python(['-m', 'ssro_torch.train', '--config', config(runA)]));
    const last = path.join(runA, 'last.pt');

    // Our own checkpoint holds only what torch.load(weights_only=True) admits, on this PyTorch.
    const probe = python(['-c', [
      'import json, sys, torch',
      "c = torch.load(sys.argv[1], map_location='cpu', weights_only=True)",
      "print(json.dumps({'event': 'checkpoint', 'format': c['format'], 'version': c['version'], 'epoch': c['epoch'], 'state': isinstance(c['state'], str), 'weights': sorted(c['model'])[:2]}))",
    ].join('\n'), last]);
    expectSuccess(probe);
    expect(probe.events[0]).toEqual({ event: 'checkpoint', format: 'ssro-train-checkpoint', version: 2, epoch: 1, state: true, weights: ['fc1.bias', 'fc1.weight'] });
    // …and resumes: a second epoch starts from it.
    const resumed = python(['-m', 'ssro_torch.train', '--config', config(runA, { epochs: 2 })]);
    expectSuccess(resumed);
    expect(resumed.events.find((e) => e.event === 'resume')?.fromEpoch).toBe(2);
    expect(resumed.events.filter((e) => e.event === 'epoch').map((e) => e.epoch)).toEqual([2]);

    // A last.pt with a payload added is refused before any epoch, and says how to go on.
    const runB = path.join(work, 'run-b');
    fs.mkdirSync(runB);
    expectSuccess(python(['-c', TAMPER, last, path.join(runB, 'last.pt'), marker('resume')]));
    const tampered = python(['-m', 'ssro_torch.train', '--config', config(runB, { epochs: 3 })]);
    expect(tampered.status).toBe(2);
    expect(engineError(tampered)).toMatch(REFUSED);
    expect(engineError(tampered)).toContain('the run cannot resume from it');
    expect(engineError(tampered)).toContain(`delete ${path.join(runB, 'last.pt')} to start this run over`);
    expect(tampered.events.some((e) => e.event === 'epoch')).toBe(false);
    expect(fs.existsSync(marker('resume'))).toBe(false);

    // A checkpoint in the earlier layout (pickled NumPy state) is refused the same way, with the same way out.
    const runC = path.join(work, 'run-c');
    fs.mkdirSync(runC);
    fs.copyFileSync(file('old-last.pt'), path.join(runC, 'last.pt'));
    const old = python(['-m', 'ssro_torch.train', '--config', config(runC)]);
    expect(old.status).toBe(2);
    expect(engineError(old)).toMatch(/last\.pt holds pickled Python objects \(numpy\.[^)]*\), not only tensors/);
    expect(engineError(old)).toContain(`delete ${path.join(runC, 'last.pt')} to start this run over`);

    // Initial weights (a state_dict to start from, ImageNet weights) go through the same loader.
    const init = python(['-m', 'ssro_torch.train', '--config', config(path.join(work, 'run-init'), { initStateDict: file('evil-init-state-dict.pt') })]);
    expect(init.status).toBe(2);
    expect(engineError(init)).toMatch(WHY);
    expect(fs.existsSync(marker('init-state-dict'))).toBe(false);
    const imagenet = python(['-m', 'ssro_torch.train', '--config', config(path.join(work, 'run-imagenet'), { model: 'resnet18', imagenetWeights: file('evil-imagenet.pt') })]);
    expect(imagenet.status).toBe(2);
    expect(engineError(imagenet)).toMatch(WHY);
    expect(fs.existsSync(marker('imagenet'))).toBe(false);
  });

  it('a PyTorch whose torch.load has no weights_only is refused rather than loading unsafely', () => {
    const script = [
      'import json, torch',
      'from ssro_torch.events import UserError',
      'from ssro_torch import models',
      'original = torch.load',
      // The signature of torch.load before 1.13: extra keyword arguments went to the unpickler.
      'def old_load(f, map_location=None, pickle_module=None, **pickle_load_args):',
      '    raise AssertionError("torch.load was called")',
      'torch.load = old_load',
      'try:',
      '    models.load_file(__import__("sys").argv[1])',
      "    print(json.dumps({'event': 'loaded'}))",
      'except UserError as error:',
      "    print(json.dumps({'event': 'refused', 'message': str(error)}))",
    ].join('\n');
    const r = python(['-c', script, file('weights.pt')]);
    expectSuccess(r);
    expect(r.events[0]?.event).toBe('refused');
    expect(String(r.events[0]?.message)).toMatch(/weights\.pt was not read: PyTorch .* cannot load a file without running code from it \(torch\.load has no weights_only argument before PyTorch 1\.13\); install PyTorch 1\.13 or later/);
  });
});
