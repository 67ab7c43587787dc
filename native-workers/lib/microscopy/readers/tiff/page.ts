/** One page (IFD) as an image: geometry, sample format and compression, checked for what this reader can decode. */
import { MicroscopyFileError, type StoredDtype } from '../../frame-source';
import { checkFrameSize } from '../raw-frames';
import type { IfdEntry, TiffFile } from './ifd';
import { COMPRESSION_NAMES, TAG } from './tags';

/** One page's layout: everything readFrame needs, with the strip/tile tables read lazily. */
export interface Page {
  index: number;
  entries: Map<number, IfdEntry>;
  width: number;
  height: number;
  bits: number;
  samples: number;
  sampleFormat: number;
  compression: number;
  photometric: number;
  planar: number;
  predictor: number;
  subfileType: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  offsets?: number[];
  byteCounts?: number[] | null;
}

/** Page geometry and sample format from its IFD, checked for what this reader can decode. */
export function describePage(tiff: TiffFile, entries: Map<number, IfdEntry>, index: number): Page {
  const file = tiff.file;
  const one = (tag: number, fallback: number | null, name: string): number => {
    const e = entries.get(tag);
    if (!e) {
      if (fallback === null) throw new MicroscopyFileError(file, `page ${index} has no ${name} tag`);
      return fallback;
    }
    const v = tiff.numbers(e, `${name} of page ${index}`)[0];
    if (v === undefined || !Number.isFinite(v)) throw new MicroscopyFileError(file, `page ${index}: unreadable ${name}`);
    return v;
  };
  const width = one(TAG.ImageWidth, null, 'ImageWidth');
  const height = one(TAG.ImageLength, null, 'ImageLength');
  const samples = one(TAG.SamplesPerPixel, 1, 'SamplesPerPixel');
  const bitsEntry = entries.get(TAG.BitsPerSample);
  const bitsAll = bitsEntry ? tiff.numbers(bitsEntry, `BitsPerSample of page ${index}`) : [1];
  const bits = bitsAll[0];
  if (bits === undefined) throw new MicroscopyFileError(file, `page ${index}: the BitsPerSample tag holds no value`);
  if (bitsAll.some((b) => b !== bits)) {
    throw new MicroscopyFileError(file, `page ${index}: samples of different bit depths (${bitsAll.join(', ')}) are not supported`);
  }
  const formatEntry = entries.get(TAG.SampleFormat);
  const sampleFormat = formatEntry ? tiff.numbers(formatEntry, `SampleFormat of page ${index}`)[0] : 1;
  if (sampleFormat === undefined) throw new MicroscopyFileError(file, `page ${index}: the SampleFormat tag holds no value`);
  const tiled = entries.has(TAG.TileOffsets);
  const rowsPerStrip = Math.min(one(TAG.RowsPerStrip, height, 'RowsPerStrip'), height);
  const page: Page = {
    index,
    entries,
    width,
    height,
    bits,
    samples,
    sampleFormat,
    compression: one(TAG.Compression, 1, 'Compression'),
    photometric: one(TAG.Photometric, 1, 'PhotometricInterpretation'),
    planar: one(TAG.PlanarConfiguration, 1, 'PlanarConfiguration'),
    predictor: one(TAG.Predictor, 1, 'Predictor'),
    subfileType: one(TAG.NewSubfileType, 0, 'NewSubfileType'),
    tiled,
    blockWidth: tiled ? one(TAG.TileWidth, null, 'TileWidth') : width,
    blockHeight: tiled ? one(TAG.TileLength, null, 'TileLength') : rowsPerStrip,
  };
  if (width < 1 || height < 1 || page.blockWidth < 1 || page.blockHeight < 1) {
    throw new MicroscopyFileError(file, `page ${index}: empty image (${width}×${height}, blocks ${page.blockWidth}×${page.blockHeight})`);
  }
  // Before any strip, tile or frame is sized from it: width × height × bytes can pass 2^32 or any memory.
  checkFrameSize(file, height, width, `page ${index}`);
  if (!tiled && !entries.has(TAG.StripOffsets)) throw new MicroscopyFileError(file, `page ${index} has neither StripOffsets nor TileOffsets`);
  if (!COMPRESSION_NAMES[page.compression] || ![1, 5, 8, 32773, 32946].includes(page.compression)) {
    const name = COMPRESSION_NAMES[page.compression] ?? 'unknown';
    throw new MicroscopyFileError(
      file,
      `page ${index} uses compression ${page.compression} (${name}); supported: none, LZW, Deflate, PackBits — re-save it uncompressed`,
    );
  }
  if (page.predictor !== 1 && page.predictor !== 2 && page.predictor !== 3) {
    throw new MicroscopyFileError(file, `page ${index}: unknown predictor ${page.predictor}`);
  }
  storedDtype(file, page); // throws for unsupported sample types
  if (page.photometric === 2 && samples < 3) throw new MicroscopyFileError(file, `page ${index}: RGB with only ${samples} samples per pixel`);
  if (![0, 1, 2, 3].includes(page.photometric)) {
    throw new MicroscopyFileError(
      file,
      `page ${index}: photometric interpretation ${page.photometric} (CMYK/YCbCr/Lab/…) is not supported; save it as greyscale`,
    );
  }
  if (bits === 1 && samples !== 1) throw new MicroscopyFileError(file, `page ${index}: 1-bit images with several samples are not supported`);
  return page;
}

export function storedDtype(file: string, page: Page): StoredDtype {
  const { bits, sampleFormat: fmt } = page;
  if (bits === 1 && fmt === 1) return 'bool';
  if (fmt === 1 || fmt === 4) {
    if (bits === 8) return page.photometric === 2 ? 'rgb8' : 'uint8';
    if (bits === 16) return 'uint16';
    if (bits === 32) return 'uint32';
    if (bits === 64) return 'uint64';
  } else if (fmt === 2) {
    if (bits === 8) return 'int8';
    if (bits === 16) return 'int16';
    if (bits === 32) return 'int32';
    if (bits === 64) return 'int64';
  } else if (fmt === 3) {
    if (bits === 32) return 'float32';
    if (bits === 64) return 'float64';
  }
  const kind = fmt === 2 ? 'signed integer' : fmt === 3 ? 'floating-point' : fmt === 1 ? 'unsigned integer' : `sample format ${fmt}`;
  throw new MicroscopyFileError(file, `page ${page.index}: ${bits}-bit ${kind} samples are not supported`);
}
