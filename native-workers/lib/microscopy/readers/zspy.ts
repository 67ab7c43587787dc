/**
 * HyperSpy's .zspy: the .hspy layout (see ./hspy, whose rules this reader shares) in a zarr v2 directory store —
 * HyperSpy ≥ 1.7 writes a NestedDirectoryStore: one folder per group or array, with .zgroup / .zarray (JSON) and
 * .zattrs (the attributes, JSON), and an array's chunks as files under it (keys '0/0/0/0', the
 * dimension_separator '/'), compressed with Blosc (zstd) by default. Zarr format: https://zarr-specs.readthedocs.io
 * (v2).
 *
 * The groups and attributes are small JSON files read here directly. Chunks are decoded by zarrita (a maintained
 * zarr reader; its numcodecs bundle carries Blosc, zstd, lz4, gzip and zlib as WebAssembly, so nothing is fetched).
 * zarrita and its codecs only work asynchronously, while FrameSource.readFrame is synchronous: frames are therefore
 * read in a worker thread that runs zarrita, and readFrame waits for it on shared memory (Atomics.wait) and copies
 * the frame out. A frame read touches only the chunks that hold that frame.
 *
 * Refused with a message saying what to do: a zipped store (a .zspy file rather than a folder), zarr v3, and
 * compressors or filters zarrita cannot decode.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MicroscopyFileError, type FrameSource, type MicroscopyInfo, type OpenOptions, type StoredDtype } from '../frame-source';
import type { AttrValue, FrameLayout } from './hdf5';
import { chooseHspySignal, describeHspySignal, type HyperSpyTree } from './hspy';

const SAVE_AS_HSPY = "save it as .hspy in HyperSpy with s = hs.load('file.zspy'); s.save('file.hspy')";

/** The codecs zarrita's default registry decodes (numcodecs ids). */
const DECODABLE = new Set(['blosc', 'zstd', 'lz4', 'gzip', 'zlib']);

/** A frame read that takes this long means the worker is stuck (a damaged chunk, a dead thread). */
const FRAME_TIMEOUT_MS = 60_000;

/** A zarr store as this reader recognises it: a folder with .zgroup (v2) or zarr.json (v3) at its top. */
export function isZarrStore(location: string): boolean {
  return fs.existsSync(path.join(location, '.zgroup')) || fs.existsSync(path.join(location, 'zarr.json'));
}

// ---------------------------------------------------------------------------------------------------------------
// The store's JSON documents

function readJson(store: string, p: string, name: string): unknown {
  const file = path.join(store, ...p.split('/').filter((s) => s.length > 0), name);
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new MicroscopyFileError(store, `${path.relative(store, file)} is not valid JSON (${(error as Error).message})`);
  }
}

/** A JSON attribute as the plain values the HyperSpy rules read (objects and mixed lists are left out). */
function attrValue(value: unknown): AttrValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) {
    if (value.every((v): v is number => typeof v === 'number')) return value;
    if (value.every((v): v is string => typeof v === 'string')) return value;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A zarr v2 dtype ('<u2', '|u1', '>f8', '|b1' …) as a StoredDtype, or a description when unsupported. */
function storedDtype(dtype: unknown): StoredDtype | string {
  if (typeof dtype !== 'string') return 'structured';
  const m = /^([<>|])([biuf])(\d+)$/.exec(dtype);
  if (!m) return dtype;
  const [, , kind, bytes] = m;
  if (kind === 'b') return bytes === '1' ? 'bool' : dtype;
  const bits = Number(bytes) * 8;
  if (kind === 'f') return bits === 32 || bits === 64 ? (`float${bits}` as StoredDtype) : `float${bits}`;
  if (![8, 16, 32, 64].includes(bits)) return dtype;
  return `${kind === 'u' ? 'u' : ''}int${bits}` as StoredDtype;
}

interface ZarrArrayMeta {
  shape: number[];
  dtype: StoredDtype | string;
  codecs: string[];
}

function arrayMeta(store: string, p: string): ZarrArrayMeta | null {
  const meta = readJson(store, p, '.zarray');
  if (!isRecord(meta)) return null;
  const shape = meta.shape;
  if (!Array.isArray(shape) || !shape.every((n): n is number => Number.isInteger(n) && n >= 0)) {
    throw new MicroscopyFileError(store, `${p}/.zarray has no valid shape`);
  }
  const codecs: string[] = [];
  if (isRecord(meta.compressor)) codecs.push(String(meta.compressor.id));
  if (Array.isArray(meta.filters)) for (const f of meta.filters) codecs.push(isRecord(f) ? String(f.id) : 'unknown');
  return { shape, dtype: storedDtype(meta.dtype), codecs };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The store as the tree the HyperSpy rules read. */
function zarrTree(store: string): HyperSpyTree {
  const dir = (p: string): string => path.join(store, ...p.split('/').filter((s) => s.length > 0));
  const isGroup = (p: string): boolean => fs.existsSync(path.join(dir(p), '.zgroup'));
  const children = (p: string): string[] => {
    if (!isDirectory(dir(p))) return [];
    return fs
      .readdirSync(dir(p))
      .filter((n) => !n.startsWith('.') && (fs.existsSync(path.join(dir(p), n, '.zgroup')) || fs.existsSync(path.join(dir(p), n, '.zarray'))))
      .sort();
  };
  const subgroups = (p: string): string[] => {
    const out: string[] = [];
    const walk = (q: string): void => {
      for (const n of children(q)) {
        const c = `${q === '/' ? '' : q}/${n}`;
        if (!isGroup(c)) continue;
        out.push(c);
        if (out.length < 10_000) walk(c);
      }
    };
    walk(p);
    return out;
  };
  return {
    file: store,
    isGroup,
    children,
    subgroups,
    attributes: (p) => {
      const json = readJson(store, p, '.zattrs');
      const out: Record<string, AttrValue> = {};
      if (!isRecord(json)) return out;
      for (const [key, value] of Object.entries(json)) {
        const v = attrValue(value);
        if (v !== undefined) out[key] = v;
      }
      return out;
    },
    array: (p) => {
      const meta = arrayMeta(store, p);
      return meta ? { shape: meta.shape, dtype: meta.dtype } : null;
    },
    // Arrays other than the data would need the asynchronous decoder: a non-uniform axis is reported uncalibrated.
    numbers: () => null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading frames in a worker thread

/** The entry module of the installed zarrita (an ES module, exported for import only), as a file URL. */
function zarritaUrl(): string {
  const base = typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js');
  const dirs = createRequire(base).resolve.paths('zarrita') ?? [];
  for (const d of dirs) {
    const manifest = path.join(d, 'zarrita', 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as unknown;
    const exported = isRecord(pkg) && isRecord(pkg.exports) && isRecord(pkg.exports['.']) ? pkg.exports['.'].import : undefined;
    if (typeof exported === 'string') return pathToFileURL(path.join(d, 'zarrita', exported)).href;
  }
  throw new Error('cannot find the zarrita package (npm install zarrita)');
}

const IDLE = 0;
const REQUEST = 1;
const DONE = 2;
const FAILED = 3;
const STOP = 4;
const MESSAGE_BYTES = 4096;

interface WorkerInput {
  zarrita: string;
  store: string;
  array: string;
  layout: FrameLayout;
  shape: number[];
  control: SharedArrayBuffer;
  frame: SharedArrayBuffer;
  message: SharedArrayBuffer;
}

/**
 * The worker (CommonJS, run from this string so that no separate script has to be found beside the compiled
 * module): opens the array with zarrita, says 'ready', then serves one frame at a time — waits for REQUEST on
 * control[0] with the frame index in control[1], writes the frame as float32 into `frame` and sets DONE, or writes
 * the error text into `message` (length in control[2]) and sets FAILED; STOP ends it.
 */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const fsp = require('node:fs/promises');
const path = require('node:path');
const [IDLE, REQUEST, DONE, FAILED, STOP] = [0, 1, 2, 3, 4];
const input = workerData;
const control = new Int32Array(input.control);
const message = new Uint8Array(input.message);
function fail(error) {
  const bytes = Buffer.from(String(error && error.message ? error.message : error), 'utf8').subarray(0, message.length);
  message.set(bytes);
  Atomics.store(control, 2, bytes.length);
  Atomics.store(control, 0, FAILED);
  Atomics.notify(control, 0);
}
(async () => {
  const zarr = await import(input.zarrita);
  const store = {
    async get(key) {
      try {
        return new Uint8Array(await fsp.readFile(path.join(input.store, ...key.split('/').filter((s) => s.length > 0))));
      } catch (error) {
        if (error && error.code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
  const array = await zarr.open.v2(zarr.root(store).resolve(input.array), { kind: 'array' });
  const { scanAxes, rowAxis, colAxis } = input.layout;
  const sizes = scanAxes.map((a) => input.shape[a]);
  const n = input.shape[rowAxis] * input.shape[colAxis];
  const out = new Float32Array(input.frame, 0, n);
  parentPort.postMessage('ready');
  for (;;) {
    let state = Atomics.load(control, 0);
    while (state !== REQUEST && state !== STOP) {
      Atomics.wait(control, 0, state);
      state = Atomics.load(control, 0);
    }
    if (state === STOP) break;
    try {
      let rest = Atomics.load(control, 1);
      const selection = input.shape.map(() => null);
      for (let k = scanAxes.length - 1; k >= 0; k--) {
        selection[scanAxes[k]] = rest % sizes[k];
        rest = Math.floor(rest / sizes[k]);
      }
      const chunk = await zarr.get(array, selection);
      if (chunk.data.length !== n) throw new Error('the frame read has ' + chunk.data.length + ' values, not ' + n);
      for (let i = 0; i < n; i++) out[i] = Number(chunk.data[i]);
      Atomics.store(control, 0, DONE);
      Atomics.notify(control, 0);
    } catch (error) {
      fail(error);
    }
  }
})().catch((error) => {
  fail(error);
  parentPort.postMessage('failed: ' + String(error && error.message ? error.message : error));
});
`;

async function startWorker(input: WorkerInput): Promise<Worker> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: input });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      cleanup();
      if (m === 'ready') resolve();
      else reject(new Error(typeof m === 'string' ? m : 'the zarr reader thread did not start'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`the zarr reader thread stopped (exit code ${code})`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  // An open file must not keep the process alive on its own.
  worker.unref();
  return worker;
}

function zarrFrameSource(info: MicroscopyInfo, worker: Worker, input: WorkerInput): FrameSource {
  const control = new Int32Array(input.control);
  const [rows, cols] = info.frameShape;
  const n = rows * cols;
  const frame = new Float32Array(input.frame, 0, n);
  let closed = false;
  return {
    info,
    readFrame(index: number, out?: Float32Array): Float32Array {
      if (closed) throw new MicroscopyFileError(info.file, `frame ${index}: the file is closed`);
      if (!Number.isInteger(index) || index < 0 || index >= info.frameCount) {
        throw new MicroscopyFileError(info.file, `frame ${index} is out of range (the file has ${info.frameCount} frames)`);
      }
      const target = out ?? new Float32Array(n);
      if (target.length !== n) throw new Error(`readFrame: out has ${target.length} values, the frame ${n}`);
      Atomics.store(control, 1, index);
      Atomics.store(control, 0, REQUEST);
      Atomics.notify(control, 0);
      const deadline = Date.now() + FRAME_TIMEOUT_MS;
      let state = Atomics.load(control, 0);
      while (state === REQUEST && Date.now() < deadline) {
        Atomics.wait(control, 0, REQUEST, Math.max(1, deadline - Date.now()));
        state = Atomics.load(control, 0);
      }
      if (state === REQUEST) {
        throw new MicroscopyFileError(info.file, `frame ${index}: the zarr reader gave no answer within ${FRAME_TIMEOUT_MS / 1000} s (a damaged chunk?)`);
      }
      Atomics.store(control, 0, IDLE);
      if (state !== DONE) {
        const length = state === FAILED ? Atomics.load(control, 2) : 0;
        const text = length > 0 ? Buffer.from(new Uint8Array(input.message, 0, length)).toString('utf8') : `the reader thread is in state ${state}`;
        throw new MicroscopyFileError(info.file, `frame ${index}: reading ${input.array} failed: ${text}`);
      }
      target.set(frame);
      return target;
    },
    close() {
      if (closed) return;
      closed = true;
      Atomics.store(control, 0, STOP);
      Atomics.notify(control, 0);
      void worker.terminate();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Opening

/** Opens a HyperSpy .zspy store (a folder; options.datasetPath: a signal group /Experiments/<title> or its data). */
export async function openZspy(location: string, options: OpenOptions = {}): Promise<FrameSource> {
  const store = path.resolve(location);
  if (!isDirectory(store)) {
    throw new MicroscopyFileError(store, `a zipped zarr store (HyperSpy's .zspy saved as a single file) is not read; ${SAVE_AS_HSPY}, or save it to a .zspy folder`);
  }
  if (fs.existsSync(path.join(store, 'zarr.json'))) throw new MicroscopyFileError(store, `a zarr v3 store, which SSRO Studio does not read; ${SAVE_AS_HSPY}`);
  const root = readJson(store, '/', '.zgroup');
  if (!isRecord(root) || root.zarr_format !== 2) throw new MicroscopyFileError(store, `not a zarr v2 store (no /.zgroup with zarr_format 2); ${SAVE_AS_HSPY}`);
  const tree = zarrTree(store);
  const format = tree.attributes('/').file_format;
  if (typeof format === 'string' && !/^(zspy|hyperspy)$/i.test(format)) {
    throw new MicroscopyFileError(store, `a zarr store written as "${format}", not by HyperSpy; only HyperSpy's .zspy layout is read`);
  }
  const notes: string[] = [];
  const signal = chooseHspySignal(tree, options.datasetPath, notes);
  if (!signal) throw new MicroscopyFileError(store, `${options.datasetPath ?? ''} is not a HyperSpy signal (/Experiments/<title> or its data)`);
  const described = describeHspySignal(tree, signal, options, notes);
  const meta = arrayMeta(store, signal.dataPath);
  if (!meta) throw new MicroscopyFileError(store, `${signal.dataPath} has no .zarray`);
  const { dtype } = meta;
  if (!['bool', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'float32', 'float64'].includes(dtype)) {
    throw new MicroscopyFileError(store, `${signal.dataPath} holds ${dtype} values; only integer, float and boolean data can be read as frames`);
  }
  if (meta.shape.some((n) => n < 1)) throw new MicroscopyFileError(store, `${signal.dataPath} is empty (shape ${meta.shape.join('×')})`);
  const unknown = meta.codecs.filter((c) => !DECODABLE.has(c));
  if (unknown.length > 0) throw new MicroscopyFileError(store, `${signal.dataPath} is encoded with ${unknown.join(', ')}, which the zarr reader cannot decode; ${SAVE_AS_HSPY}`);
  const info: MicroscopyInfo = { ...described.info, format: 'zspy', dtype: dtype as StoredDtype };
  info.metadata['zarr.store'] = store;
  info.metadata['zarr.codecs'] = meta.codecs.join(', ') || 'none';
  const [rows, cols] = info.frameShape;
  if (rows * cols * 4 > 1024 ** 3) throw new MicroscopyFileError(store, `one frame is ${rows}×${cols}: too large`);
  const input: WorkerInput = {
    zarrita: zarritaUrl(),
    store,
    array: signal.dataPath,
    layout: described.layout,
    shape: meta.shape,
    control: new SharedArrayBuffer(16),
    frame: new SharedArrayBuffer(rows * cols * 4),
    message: new SharedArrayBuffer(MESSAGE_BYTES),
  };
  let worker: Worker;
  try {
    worker = await startWorker(input);
  } catch (error) {
    throw new MicroscopyFileError(store, `the zarr reader could not open ${signal.dataPath}: ${(error as Error).message}`);
  }
  const source = zarrFrameSource(info, worker, input);
  try {
    // The first frame now, so that undecodable or missing chunks are reported on opening, as the HDF5 guard does.
    source.readFrame(0);
  } catch (error) {
    source.close();
    throw error;
  }
  return source;
}
