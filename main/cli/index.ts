/** `ssro`: every pipeline stage headless, on the same core services as the GUI. */
import { Command } from 'commander';
import { appVersion } from '../core/paths';
import { registerProjectCommands } from './commands/project';
import { registerImportCommands } from './commands/import';
import { registerServeCommand } from './commands/serve';
import { registerDoctorCommand } from './commands/doctor';
import { registerLabelCommands } from './commands/label';
import { registerDiffractCommand } from './commands/diffract';
import { registerDatasetCommands } from './commands/dataset';
import { registerSimulateCommands } from './commands/simulate';
import { registerTrainCommand } from './commands/train';
import { registerSweepCommand } from './commands/sweep';
import { registerOpenCommand } from './commands/open';
import { registerMapCommand } from './commands/map';
import { registerPredictCommand } from './commands/predict';
import { registerModelCommands } from './commands/model';
import { registerRmcCommand } from './commands/rmc';
import { printableMessage } from '../shared/printable';

export function buildProgram(): Command {
  const program = new Command('ssro')
    .description('SSRO Studio: structural short-range order from nanobeam electron diffraction')
    .version(appVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  registerProjectCommands(program);
  registerImportCommands(program);
  registerServeCommand(program);
  registerLabelCommands(program);
  registerDiffractCommand(program);
  registerDatasetCommands(program);
  registerSimulateCommands(program);
  registerTrainCommand(program);
  registerSweepCommand(program);
  registerOpenCommand(program);
  registerMapCommand(program);
  registerPredictCommand(program);
  registerModelCommands(program);
  registerRmcCommand(program);
  registerDoctorCommand(program);
  return program;
}

/**
 * A reader that stops early (`ssro jobs P | head -1`) closes the pipe: the output is no longer wanted, which is not a
 * failure. Node ignores SIGPIPE, so without this the next write throws EPIPE with a stack trace.
 */
function endQuietlyWhenReaderCloses(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/** Runs the CLI; a failure prints one clear line on stderr and exits 1. */
export async function main(argv: string[]): Promise<void> {
  endQuietlyWhenReaderCloses(process.stdout);
  endQuietlyWhenReaderCloses(process.stderr);
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Messages quote file content: escape terminal control characters as a last line of defence.
    process.stderr.write(`ssro: ${printableMessage(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
