/** TIFF tag numbers, field types and compression names this reader knows (TIFF 6.0, BigTIFF, DigitalMicrograph). */

/** Baseline and extension tag numbers used here (TIFF 6.0 §8, plus the Adobe tile and predictor tags). */
export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  DateTime: 306,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
} as const;

/** Digital Micrograph's private calibration tags (as HyperSpy's _add_axes_digital_micrograph reads them). */
export const DM_TAG = {
  xUnits: 65003,
  yUnits: 65004,
  zUnits: 65005,
  xOrigin: 65006,
  yOrigin: 65007,
  zOrigin: 65008,
  xScale: 65009,
  yScale: 65010,
  zScale: 65011,
  intensityUnits: 65022,
  intensityOffset: 65024,
  intensityScale: 65025,
} as const;

export const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none',
  2: 'CCITT RLE',
  3: 'CCITT G3',
  4: 'CCITT G4',
  5: 'LZW',
  6: 'old-style JPEG',
  7: 'JPEG',
  8: 'Deflate',
  32773: 'PackBits',
  32946: 'Deflate',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
};

/** Field type → bytes per value (TIFF 6.0 §2 plus BigTIFF's LONG8/SLONG8/IFD8). */
export const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
