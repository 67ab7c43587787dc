/** A page's strips or tiles: their offset tables, read lazily, and decoding them all into one frame. */
import { MicroscopyFileError } from '../../frame-source';
import { decompress } from './codecs';
import type { TiffFile } from './ifd';
import type { Page } from './page';
import { blockSamples, toFrame } from './samples';
import { COMPRESSION_NAMES, TAG } from './tags';

export function stripTable(tiff: TiffFile, page: Page): { offsets: number[]; byteCounts: number[] | null } {
  if (!page.offsets) {
    const offTag = page.tiled ? TAG.TileOffsets : TAG.StripOffsets;
    const countTag = page.tiled ? TAG.TileByteCounts : TAG.StripByteCounts;
    page.offsets = tiff.numbers(page.entries.get(offTag)!, `${page.tiled ? 'TileOffsets' : 'StripOffsets'} of page ${page.index}`);
    const countEntry = page.entries.get(countTag);
    page.byteCounts = countEntry ? tiff.numbers(countEntry, `byte counts of page ${page.index}`) : null;
  }
  return { offsets: page.offsets, byteCounts: page.byteCounts ?? null };
}

/** Decodes every strip/tile of a page into `target` (rows × cols, float32). */
export function readPage(tiff: TiffFile, page: Page, target: Float32Array, frame: number): void {
  const file = tiff.file;
  const { offsets, byteCounts } = stripTable(tiff, page);
  const across = Math.ceil(page.width / page.blockWidth);
  const down = Math.ceil(page.height / page.blockHeight);
  const planes = page.planar === 2 ? page.samples : 1;
  const perBlockSamples = page.planar === 2 ? 1 : page.samples;
  const need = across * down * planes;
  if (offsets.length < need) {
    throw new MicroscopyFileError(file, `page ${page.index} lists ${offsets.length} ${page.tiled ? 'tiles' : 'strips'}, its size needs ${need}`);
  }
  if (page.planar === 2 && page.photometric === 2) target.fill(0);
  const rowSamples = page.blockWidth * perBlockSamples;
  const rowBytes = Math.ceil((rowSamples * page.bits) / 8);
  for (let plane = 0; plane < planes; plane++) {
    if (page.planar === 2 && page.photometric !== 2 && plane > 0) break; // grey + extra planes: first plane only
    if (page.planar === 2 && page.photometric === 2 && plane > 2) break; // alpha plane ignored
    for (let by = 0; by < down; by++) {
      for (let bx = 0; bx < across; bx++) {
        const k = plane * across * down + by * across + bx;
        const rows = page.tiled ? page.blockHeight : Math.min(page.blockHeight, page.height - by * page.blockHeight);
        const expected = rows * rowBytes;
        const what = `frame ${frame}, ${page.tiled ? 'tile' : 'strip'} ${k}`;
        const declared = byteCounts ? byteCounts[k] : undefined;
        let raw: Buffer;
        if (page.compression === 1) {
          if (declared !== undefined && declared < expected) {
            throw new MicroscopyFileError(file, `${what} holds ${declared} bytes, its ${rows} rows need ${expected}: corrupt byte counts`);
          }
          raw = tiff.read(offsets[k]!, expected, what);
        } else {
          if (declared === undefined) throw new MicroscopyFileError(file, `page ${page.index} is compressed but has no byte counts`);
          raw = tiff.read(offsets[k]!, declared, what);
        }
        let bytes: Uint8Array;
        try {
          bytes = decompress(page, raw, expected);
        } catch (err) {
          throw new MicroscopyFileError(file, `${what}: cannot decompress ${COMPRESSION_NAMES[page.compression]} data (${(err as Error).message})`);
        }
        if (bytes.length < expected) {
          throw new MicroscopyFileError(file, `${what} decodes to ${bytes.length} bytes, ${expected} expected: corrupt or truncated`);
        }
        const x0 = bx * page.blockWidth;
        const y0 = by * page.blockHeight;
        const w = Math.min(page.blockWidth, page.width - x0);
        const h = Math.min(rows, page.height - y0);
        if (page.bits === 1) {
          for (let r = 0; r < h; r++) {
            for (let c = 0; c < w; c++) target[(y0 + r) * page.width + x0 + c] = (bytes[r * rowBytes + (c >> 3)]! >> (7 - (c & 7))) & 1;
          }
          continue;
        }
        let values: ArrayLike<number>;
        try {
          values = blockSamples(page, bytes, tiff.littleEndian, rows, rowSamples);
        } catch (err) {
          throw new MicroscopyFileError(file, `${what}: ${(err as Error).message}`);
        }
        toFrame(page, values, target, x0, y0, w, h, rowSamples, page.planar === 2 ? plane : -1);
      }
    }
  }
}
