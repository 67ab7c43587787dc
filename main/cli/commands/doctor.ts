/** `ssro doctor`: which engines this machine has and what is disabled without them. */
import type { Command } from 'commander';
import { engineStatuses } from '../../core/engines';
import { defaultSettings } from '../../core/project/settings-repo';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the external engines (LAMMPS, PyTorch, Chromium)')
    .option('--lmp <path>', 'LAMMPS executable', defaultSettings().lmpPath)
    .option('--python3 <path>', 'Python with torch and torchvision', defaultSettings().python3Path)
    .action(async (opts: { lmp: string; python3: string }) => {
      for (const e of await engineStatuses({ lmpPath: opts.lmp, python3Path: opts.python3 })) {
        process.stdout.write(`${e.available ? 'ok     ' : 'MISSING'} ${e.name}: ${e.detail}${e.available ? '' : ` (disables ${e.disables})`}\n`);
      }
    });
}
