#!/usr/bin/env node
// The `ssro` command: runs the compiled CLI, or says how to build it.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'main', 'cli', 'index.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`ssro: not built yet (${entry} is missing); run "npm run build" in ${path.dirname(__dirname)}\n`);
  process.exit(1);
}
require(entry).main(process.argv);
