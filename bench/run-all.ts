/** `npm run bench`: every benchmark, each printing its figures against a peer measured in the same run. */
import { runImportBench } from './import-bench';
import { runImportJobBench } from './import-job-bench';
import { runOrderBench } from './order-bench';
import { runVoronoiBench } from './voronoi-bench';
import { runDiffractionBench } from './diffraction-bench';

async function main(): Promise<void> {
  runImportBench();
  await runImportJobBench();
  runOrderBench();
  runVoronoiBench();
  runDiffractionBench();
}

void main();
