/**
 * A header's frame size is a claim: width × height × bytes can pass 2³² (or any memory) in a few header bytes.
 * Readers refuse such frames at open, naming the file, instead of failing later with "Invalid typed array length".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMicroscopy } from '../../../native-workers/lib/microscopy/open';
import { checkFrameSize, MAX_FRAME_PIXELS } from '../../../native-workers/lib/microscopy/readers/raw-frames';
import { writeFloat32Tiff } from '../../../native-workers/lib/microscopy/tiff-writer';
import { tempDir } from '../../support/temp';

/** The float32 TIFF writer's IFD entry (at byte 10 + 12·i) of ImageWidth 0, ImageLength 1, RowsPerStrip 8, StripByteCounts 9. */
function tiffWith(values: Record<number, number>): string {
  const file = path.join(tempDir(), 'wrap.tif');
  writeFloat32Tiff(file, new Float32Array(16), 4, 4);
  const b = fs.readFileSync(file);
  for (const [entry, value] of Object.entries(values)) b.writeUInt32LE(value, 10 + 12 * Number(entry) + 8);
  fs.writeFileSync(file, b);
  return file;
}

describe('frame size checks', () => {
  it('a TIFF whose frame bytes wrap 2³² is refused at open with the file name', async () => {
    const file = tiffWith({ 0: 65536, 1: 65536, 8: 65536 });
    await expect(openMicroscopy(file)).rejects.toThrow(`${file}: page 0 gives a frame of 65536×65536 = 4294967296 pixels, more than SSRO reads`);
    const wide = tiffWith({ 0: 0xffffffff });
    await expect(openMicroscopy(wide)).rejects.toThrow(`${wide}: page 0 gives a frame of 4×4294967295`);
  });

  it('checkFrameSize accepts real detectors and refuses non-integers and oversized frames', () => {
    expect(() => checkFrameSize('f', 4092, 5760)).not.toThrow();
    expect(() => checkFrameSize('f', 16384, 8192)).not.toThrow();
    expect(MAX_FRAME_PIXELS).toBe(16384 * 8192);
    expect(() => checkFrameSize('f', 16384, 8193)).toThrow(/^f: the header gives a frame of 16384×8193/);
    expect(() => checkFrameSize('f', 0.5, 8, 'the IHDR chunk')).toThrow(/^f: the IHDR chunk gives a frame of 0\.5×8 pixels: not positive whole numbers/);
  });
});
