/**
 * Which engine programs (LAMMPS, the Python with PyTorch) SSRO Studio may run. A project's settings can name any
 * program, and a project folder may come from someone else, so a stored path is run only when it is the built-in
 * default or the person confirmed it on this machine. Confirmations live in a small per-user file outside every
 * project (`trusted-engines.json` in the config folder), so copying a project never copies them.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENGINE_SETTINGS, type EngineSetting, type Settings } from '../shared/domain';
import { ApiError } from '../shared/ipc-contract';

const TRUST_FILE = 'trusted-engines.json';

/** What each setting's program is, in the words the confirmation and the errors use. */
export const ENGINE_ROLES: Record<EngineSetting, string> = {
  lmpPath: 'the LAMMPS engine',
  python3Path: 'the Python for PyTorch',
};

export function defaultSettings(): Settings {
  return {
    lmpPath: 'lmp',
    // Debian's python3-torch lives in the system Python; a pyenv/conda python3 earlier on PATH would not see it.
    python3Path: fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
  };
}

/** The per-user config folder: $SSRO_CONFIG_DIR, else $XDG_CONFIG_HOME/ssro-studio, else ~/.config/ssro-studio. */
export function configDir(): string {
  const explicit = process.env.SSRO_CONFIG_DIR;
  if (explicit) return path.resolve(explicit);
  const xdg = process.env.XDG_CONFIG_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'ssro-studio');
  if (process.platform === 'win32' && process.env.APPDATA) return path.join(process.env.APPDATA, 'ssro-studio');
  return path.join(os.homedir(), '.config', 'ssro-studio');
}

interface TrustEntry {
  setting: EngineSetting;
  path: string;
  confirmedAt: string;
}

function isTrustEntry(value: unknown): value is TrustEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.setting === 'string' &&
    (ENGINE_SETTINGS as readonly string[]).includes(v.setting) &&
    typeof v.path === 'string' &&
    typeof v.confirmedAt === 'string'
  );
}

/** The confirmed paths; a missing or unreadable file confirms nothing (the safe reading). */
export function readTrustStore(dir = configDir()): TrustEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, TRUST_FILE), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    const entries = typeof parsed === 'object' && parsed !== null ? (parsed as { trusted?: unknown }).trusted : undefined;
    return Array.isArray(entries) ? entries.filter(isTrustEntry) : [];
  } catch {
    return [];
  }
}

/** Records a confirmation; written to a temporary file and renamed so a crash never leaves half a file. */
export function recordTrust(setting: EngineSetting, program: string, dir = configDir()): void {
  const entries = readTrustStore(dir).filter((e) => !(e.setting === setting && e.path === program));
  entries.push({ setting, path: program, confirmedAt: new Date().toISOString() });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, TRUST_FILE);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify({ version: 1, trusted: entries }, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw new ApiError('failed', `could not record the confirmation of ${program} in ${file}: ${(error as Error).message}`);
  }
}

export type EngineChoice =
  | { setting: EngineSetting; path: string; trusted: true }
  | { setting: EngineSetting; path: string; trusted: false; message: string };
export type EngineChoices = Record<EngineSetting, EngineChoice>;

export function isTrusted(setting: EngineSetting, program: string, store: readonly TrustEntry[] = readTrustStore()): boolean {
  return program === defaultSettings()[setting] || store.some((e) => e.setting === setting && e.path === program);
}

export function unconfirmedMessage(setting: EngineSetting, program: string): string {
  return `this project sets ${setting} to ${program}, not yet confirmed on this machine: confirm it in Settings (SSRO Studio runs ${ENGINE_ROLES[setting]} only after you confirm it, since a project may come from someone else)`;
}

/** Each stored engine path, and whether it may be run here. */
export function engineChoices(settings: Settings): EngineChoices {
  const store = readTrustStore();
  const choose = (setting: EngineSetting): EngineChoice => {
    const program = settings[setting];
    return isTrusted(setting, program, store)
      ? { setting, path: program, trusted: true }
      : { setting, path: program, trusted: false, message: unconfirmedMessage(setting, program) };
  };
  return { lmpPath: choose('lmpPath'), python3Path: choose('python3Path') };
}

/**
 * The only way the core hands a stored engine path to something that runs it: the path when trusted, else an
 * invalid-request error saying how to confirm it (`cliFlag`: the command-line option that overrides it).
 */
export function trustedPath(choice: EngineChoice, cliFlag?: string): string {
  if (choice.trusted) return choice.path;
  throw new ApiError('invalid-request', cliFlag ? `${choice.message}; or give ${cliFlag} <path>` : choice.message);
}

/** A program on PATH, as its absolute path (PATHEXT on Windows), or null. */
function findOnPath(command: string): string | null {
  const exts = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean)] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a path given for an engine setting: an absolute path to an existing executable file, or a bare command
 * name found on PATH (returned as its absolute path). The default value is kept as it is (a reset to the default).
 */
export function checkEngineProgram(setting: EngineSetting, given: string): string {
  const value = given.trim();
  if (value === defaultSettings()[setting]) return value;
  const what = `${setting} (${ENGINE_ROLES[setting]})`;
  if (!/[\\/]/.test(value)) {
    const found = findOnPath(value);
    if (found === null) throw new ApiError('invalid-request', `${what}: no program named "${value}" was found on PATH; give the full path to the program`);
    return found;
  }
  if (!path.isAbsolute(value)) {
    throw new ApiError('invalid-request', `${what}: "${value}" is a relative path; give the full path to the program (e.g. /usr/bin/lmp) or a command name on PATH`);
  }
  const program = path.normalize(value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(program);
  } catch {
    throw new ApiError('invalid-request', `${what}: ${program} does not exist`);
  }
  if (!stat.isFile()) throw new ApiError('invalid-request', `${what}: ${program} is not a file (a folder?); choose the program itself`);
  try {
    fs.accessSync(program, fs.constants.X_OK);
  } catch {
    throw new ApiError('invalid-request', `${what}: ${program} is not executable (no execute permission)`);
  }
  return program;
}

/**
 * Turns a settings change into what may be stored: every path checked, and each one that is neither the default
 * nor already confirmed must be in `confirmed` (the person agreed to run it); only then are the confirmations
 * recorded, so a refused request trusts nothing.
 */
export function acceptEngineSettings(patch: Partial<Settings>, confirmed: readonly EngineSetting[]): Partial<Settings> {
  const store = readTrustStore();
  const accepted: Partial<Settings> = {};
  const toRecord: [EngineSetting, string][] = [];
  for (const setting of ENGINE_SETTINGS) {
    const given = patch[setting];
    if (given === undefined) continue;
    const program = checkEngineProgram(setting, given);
    if (!isTrusted(setting, program, store)) {
      if (!confirmed.includes(setting)) {
        throw new ApiError(
          'invalid-request',
          `${setting}: running ${program} as ${ENGINE_ROLES[setting]} has not been confirmed on this machine; confirm it (it will be executed with your permissions)`,
        );
      }
      toRecord.push([setting, program]);
    }
    accepted[setting] = program;
  }
  for (const [setting, program] of toRecord) recordTrust(setting, program);
  return accepted;
}

/** The files a model import hands to Python (model-service.ts importModel): PyTorch checkpoints, not ONNX. */
const TORCH_CHECKPOINT = /\.(pt|pth|ckpt|bin)$/i;

/**
 * The Python for importing `file`: the confirmed path for a PyTorch checkpoint (else the unconfirmed error); for
 * other files Python is never run, so an unconfirmed path must not refuse an ONNX import and is not handed on.
 */
export function pythonForImport(project: { settings: { engines(): EngineChoices } }, file: string): string {
  const choice = project.settings.engines().python3Path;
  if (TORCH_CHECKPOINT.test(file)) return trustedPath(choice);
  return choice.trusted ? choice.path : '';
}
