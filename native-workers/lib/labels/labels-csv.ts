/**
 * The per-atom label table users take to their own tools: one row per atom sorted by id, columns
 * id,type,element,x,y,z,d,one_minus_q6,cna,vor_n3,vor_n4,vor_n5,vor_n6,vor_class. Written in blocks to a temp
 * file and renamed, so a 1M-atom table never sits whole in memory and is never seen half-written.
 */
import * as fs from 'node:fs';
import { CNA_TYPES, VORONOI_CLASSES } from '../../../main/shared/labels';
import type { ParsedStructure } from '../structure-io/types';

export const LABEL_CSV_HEADER = 'id,type,element,x,y,z,d,one_minus_q6,cna,vor_n3,vor_n4,vor_n5,vor_n6,vor_class';

export interface CsvLabels {
  d: Float64Array;
  oneMinusQ6: Float64Array;
  cna: Uint8Array;
  voronoiIndex: Int32Array;
  voronoiClass: Uint8Array;
}

export function writeLabelsCsv(file: string, structure: ParsedStructure, labels: CsvLabels): void {
  const n = structure.ids.length;
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    let block = `${LABEL_CSV_HEADER}\n`;
    for (let i = 0; i < n; i++) {
      const type = structure.types[i] as number;
      const v = labels.voronoiIndex;
      // String(number) is the shortest text that reads back to the same float64: exact, and compact.
      block +=
        `${structure.ids[i]},${type},${structure.typeElements[type - 1] ?? ''},` +
        `${structure.positions[3 * i]},${structure.positions[3 * i + 1]},${structure.positions[3 * i + 2]},` +
        `${labels.d[i]},${labels.oneMinusQ6[i]},${CNA_TYPES[labels.cna[i] as number] ?? 'other'},` +
        `${v[4 * i]},${v[4 * i + 1]},${v[4 * i + 2]},${v[4 * i + 3]},${VORONOI_CLASSES[labels.voronoiClass[i] as number] ?? 'flagged'}\n`;
      if (block.length > 1 << 20) {
        fs.writeSync(fd, block);
        block = '';
      }
    }
    fs.writeSync(fd, block);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
