/** `ssro serve`: the browser shell on 127.0.0.1 for a project; prints the URL with its session token. */
import type { Command } from 'commander';
import { AppCore } from '../../core/app-core';
import { createHandlers } from '../../core/api/handlers';
import { startServer } from '../../server/server';
import { parsePort } from '../parse-options';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the GUI for a project in a browser (127.0.0.1 only, with a per-launch token)')
    .argument('[project]', 'project folder to open (optional)')
    .option('--port <n>', 'port (default: a free one)', parsePort, 0)
    .option('--create', 'create the project when the folder is new or empty')
    .action(async (dir: string | undefined, opts: { port: number; create?: boolean }) => {
      const core = new AppCore();
      if (dir !== undefined) {
        if (opts.create) await core.createProject(dir).catch(() => core.openProject(dir));
        else await core.openProject(dir);
      }
      const server = await startServer({ core, handlers: createHandlers(core), port: opts.port });
      process.stdout.write(`SSRO Studio is at ${server.openUrl}\n`);
      const stop = (): void => {
        process.stderr.write('stopping…\n');
        void server
          .close()
          .then(() => core.dispose())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
