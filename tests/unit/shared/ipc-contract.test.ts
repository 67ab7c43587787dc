import { describe, expect, it } from 'vitest';
import { decodeAtomFrame, encodeAtomFrame } from '../../../main/shared/atom-frame-codec';
import { decodeFloatPayload, decodePerAtomValues, encodeFloatPayload, encodePerAtomValues } from '../../../main/shared/binary-codecs';
import type { AtomFrame } from '../../../main/shared/domain';
import { ApiError, CHANNELS, contract, parseRequest } from '../../../main/shared/ipc-contract';
import { parseElementMapping, elementFromMass, canonicalElement } from '../../../main/shared/elements';

describe('the API contract', () => {
  it('has a request and a response schema for every channel', () => {
    expect(CHANNELS.length).toBeGreaterThanOrEqual(15);
    for (const channel of CHANNELS) {
      expect(contract[channel].request).toBeDefined();
      expect(contract[channel].response).toBeDefined();
    }
  });

  it('rejects malformed requests with the field named', () => {
    const bad: [Parameters<typeof parseRequest>[0], unknown, RegExp][] = [
      ['structures.get', { id: 'seven' }, /structures.get: id: .*number/i],
      ['structures.get', { id: -1 }, /id/],
      ['structures.get', {}, /id/],
      ['project.open', { path: '' }, /path: a path is required/],
      ['project.open', { path: '/x', extra: true }, /Unrecognized key.*extra/i],
      ['structures.import', { path: '/x.data', format: 'pdb' }, /format/],
      ['structures.import', { path: '/x.data', frame: -2 }, /frame/],
      ['structures.export', { id: 1, format: 'cif', path: '/tmp/x' }, /format/],
      ['jobs.list', { limit: 5000 }, /limit/],
      ['settings.set', { lmpPath: '' }, /lmpPath/],
    ];
    for (const [channel, request, message] of bad) {
      let caught: unknown;
      try {
        parseRequest(channel, request);
      } catch (error) {
        caught = error;
      }
      expect(caught, `${channel} ${JSON.stringify(request)}`).toBeInstanceOf(ApiError);
      expect((caught as ApiError).code).toBe('invalid-request');
      expect((caught as ApiError).message).toMatch(message);
    }
  });

  it('fills defaults for valid requests', () => {
    expect(parseRequest('structures.import', { path: '/data/a.dump' })).toEqual({ path: '/data/a.dump', format: 'auto', frame: 'last' });
    expect(parseRequest('jobs.list', {})).toEqual({ limit: 100 });
    expect(parseRequest('app.info', undefined)).toEqual({});
  });

  it('round-trips an atom frame through the binary codec', () => {
    const frame: AtomFrame = {
      count: 3,
      positions: new Float32Array([0, 1, 2, 3.5, 4.25, -5, 1e3, 2e-3, 7]),
      speciesIndex: new Uint8Array([0, 1, 0]),
      elements: ['Cu', 'Zr'],
      cell: { origin: [0, 0, 0], a: [10, 0, 0], b: [1, 11, 0], c: [0, 2, 12], pbc: [true, true, false] },
    };
    const bytes = encodeAtomFrame(frame);
    const decoded = decodeAtomFrame(bytes);
    expect(Array.from(decoded.positions)).toEqual(Array.from(frame.positions));
    expect(Array.from(decoded.speciesIndex)).toEqual([0, 1, 0]);
    expect(decoded.elements).toEqual(['Cu', 'Zr']);
    expect(decoded.cell.b).toEqual([1, 11, 0]);
    expect(() => decodeAtomFrame(bytes.subarray(0, 40))).toThrow(/truncated/);
    expect(() => decodeAtomFrame(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => decodeAtomFrame(new Uint8Array(64))).toThrow(/bad magic/);
  });
});

describe('binary codecs', () => {
  it('round-trip per-atom values and float payloads, and refuse truncated bytes', () => {
    const values = new Float32Array([0.1, 0.5, 255]);
    const back = decodePerAtomValues(encodePerAtomValues({ count: 3, values, categories: ['a', 'b'] }));
    expect(Array.from(back.values)).toEqual(Array.from(values));
    expect(back.categories).toEqual(['a', 'b']);
    const bytes = encodeFloatPayload({ header: { side: 3, note: 'é' }, values: new Float32Array(9).fill(2.5) });
    const payload = decodeFloatPayload<{ side: number; note: string }>(bytes);
    expect(payload.header).toEqual({ side: 3, note: 'é' });
    expect(Array.from(payload.values)).toEqual(new Array(9).fill(2.5));
    expect(() => decodeFloatPayload(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
  });
});

describe('element names', () => {
  it('parses mappings in the forms users type', () => {
    expect(parseElementMapping('Cu,Zr')).toEqual(['Cu', 'Zr']);
    expect(parseElementMapping(' cu  ZR ')).toEqual(['Cu', 'Zr']);
    expect(parseElementMapping('2=Zr,1=Cu')).toEqual(['Cu', 'Zr']);
    expect(() => parseElementMapping('Cu,Xx')).toThrow(/"Xx" in the element mapping is not an element symbol/);
    expect(() => parseElementMapping('1=Cu,3=Zr')).toThrow(/no element for type 2/);
    expect(() => parseElementMapping('')).toThrow(/empty/);
  });

  it('recognises elements from LAMMPS masses only when unambiguous', () => {
    expect(elementFromMass(63.546)).toBe('Cu');
    expect(elementFromMass(91.224)).toBe('Zr');
    expect(elementFromMass(63.55)).toBe('Cu');
    expect(elementFromMass(26.9815)).toBe('Al');
    expect(elementFromMass(1.0)).toBeNull();
    expect(elementFromMass(64.5)).toBeNull();
    expect(canonicalElement('fe')).toBe('Fe');
  });
});
