/** `npm run bench`: every benchmark, each printing its figures against a peer measured in the same run. */
import { runImportBench } from './import-bench';

async function main(): Promise<void> {
  await runImportBench();
}

void main();
