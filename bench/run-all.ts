/** `npm run bench`: every benchmark, each printing its figures against a peer measured in the same run. */
import { runImportBench } from './import-bench';
import { runImportJobBench } from './import-job-bench';
import { runOrderBench } from './order-bench';
import { runVoronoiBench } from './voronoi-bench';
import { runDiffractionBench } from './diffraction-bench';
import { runTrainingBench } from './training';
import { runInferenceBench } from './inference';
import { runMappingBench } from './mapping';
import { runTvDenoiseBench } from './tv-denoise';
import { runRobustnessBench } from './robustness';
import { runRmcBench } from './rmc-bench';

async function main(): Promise<void> {
  runImportBench();
  await runImportJobBench();
  runOrderBench();
  runVoronoiBench();
  runDiffractionBench();
  runTvDenoiseBench();
  runRmcBench();
  // PyTorch benches need the training engine (mapping: the bundled model); without it they say so and the rest still ran.
  for (const [name, bench] of [['training', runTrainingBench], ['inference', runInferenceBench], ['mapping', runMappingBench], ['robustness', runRobustnessBench]] as const) {
    try {
      await bench();
    } catch (error) {
      console.log(`${name} bench not run: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

void main();
