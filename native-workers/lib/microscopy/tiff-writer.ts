/**
 * A float32 TIFF of one image (maps for ImageJ, DigitalMicrograph, Python): baseline little-endian TIFF 6.0, one
 * uncompressed strip, SampleFormat 3 (IEEE float), with an ImageDescription. Written by hand because it is ~60 lines
 * of fixed layout and the npm TIFF packages either only read or need a canvas; our TIFF reader and Pillow read it back
 * in the tests.
 */
import * as fs from 'node:fs';

const TYPE = { ascii: 2, short: 3, long: 4 } as const;

/** Writes `values` (rows × cols, row-major) to `file` (via a temporary sibling, renamed into place). */
export function writeFloat32Tiff(file: string, values: Float32Array, rows: number, cols: number, description = ''): void {
  if (values.length !== rows * cols) throw new Error(`${values.length} values for a ${rows} × ${cols} image`);
  const text = Buffer.from(`${description}\0`, 'latin1');
  const entries: [number, number, number, number | Buffer][] = [
    [256, TYPE.long, 1, cols], // ImageWidth
    [257, TYPE.long, 1, rows], // ImageLength
    [258, TYPE.short, 1, 32], // BitsPerSample
    [259, TYPE.short, 1, 1], // Compression: none
    [262, TYPE.short, 1, 1], // PhotometricInterpretation: BlackIsZero
    [270, TYPE.ascii, text.length, text], // ImageDescription
    [273, TYPE.long, 1, 0], // StripOffsets (patched below)
    [277, TYPE.short, 1, 1], // SamplesPerPixel
    [278, TYPE.long, 1, rows], // RowsPerStrip
    [279, TYPE.long, 1, values.length * 4], // StripByteCounts
    [284, TYPE.short, 1, 1], // PlanarConfiguration: chunky
    [339, TYPE.short, 1, 3], // SampleFormat: IEEE float
  ];
  const ifdOffset = 8;
  const ifdBytes = 2 + entries.length * 12 + 4;
  const textOffset = ifdOffset + ifdBytes;
  const dataOffset = textOffset + text.length + ((4 - ((textOffset + text.length) % 4)) % 4);
  const header = Buffer.alloc(dataOffset);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(ifdOffset, 4);
  header.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    header.writeUInt16LE(tag, at);
    header.writeUInt16LE(type, at + 2);
    header.writeUInt32LE(count, at + 4);
    if (Buffer.isBuffer(value)) {
      if (value.length <= 4) value.copy(header, at + 8);
      else header.writeUInt32LE(textOffset, at + 8);
    } else if (tag === 273) header.writeUInt32LE(dataOffset, at + 8);
    else if (type === TYPE.short) header.writeUInt16LE(value, at + 8);
    else header.writeUInt32LE(value, at + 8);
  });
  header.writeUInt32LE(0, ifdOffset + 2 + entries.length * 12); // no next IFD
  if (text.length > 4) text.copy(header, textOffset);
  const little = Buffer.from(values.buffer, values.byteOffset, values.byteLength); // the host is little-endian (checked by NpyRecords)
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, Buffer.concat([header, little]));
  fs.renameSync(temp, file);
}
