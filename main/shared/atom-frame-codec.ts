/**
 * Binary form of an AtomFrame for the browser shell's HTTP transport (Electron's IPC clones typed arrays as they
 * are). Layout, little-endian: "SSROATM1" | u32 header length | header JSON (count, elements, cell) | pad to 4 |
 * float32 positions (3·count) | uint8 species (count).
 */
import type { AtomFrame, Cell } from './domain';

const MAGIC = 'SSROATM1';

export function encodeAtomFrame(frame: AtomFrame): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ count: frame.count, elements: frame.elements, cell: frame.cell }),
  );
  const headerEnd = 12 + header.length;
  const positionsOffset = Math.ceil(headerEnd / 4) * 4;
  const total = positionsOffset + frame.count * 12 + frame.count;
  const out = new Uint8Array(total);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(new Uint8Array(frame.positions.buffer, frame.positions.byteOffset, frame.count * 12), positionsOffset);
  out.set(frame.speciesIndex.subarray(0, frame.count), positionsOffset + frame.count * 12);
  return out;
}

export function decodeAtomFrame(bytes: Uint8Array): AtomFrame {
  if (bytes.byteLength < 12) throw new Error('atom frame is truncated');
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new Error('not an atom frame (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (bytes.byteLength < 12 + headerLength) throw new Error('atom frame is truncated');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as {
    count: number;
    elements: string[];
    cell: Cell;
  };
  const positionsOffset = Math.ceil((12 + headerLength) / 4) * 4;
  const n = header.count;
  if (bytes.byteLength < positionsOffset + n * 13) throw new Error('atom frame is truncated');
  // Copy so the arrays are aligned and independent of the transport buffer.
  const positions = new Float32Array(n * 3);
  new Uint8Array(positions.buffer).set(bytes.subarray(positionsOffset, positionsOffset + n * 12));
  const speciesIndex = bytes.slice(positionsOffset + n * 12, positionsOffset + n * 13);
  return { count: n, positions, speciesIndex, elements: header.elements, cell: header.cell };
}
