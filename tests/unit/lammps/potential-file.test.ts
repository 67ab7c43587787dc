import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPotentialInfo, requireElements } from '../../../native-workers/lib/lammps/potential-file';
import { tempDir } from '../../support/temp';

const DEBIAN_POTENTIAL = '/usr/share/lammps/potentials/CuZr_mm.eam.fs';

describe('EAM potential files', () => {
  it.skipIf(!fs.existsSync(DEBIAN_POTENTIAL))('reads the elements and cut-off of Debian CuZr_mm.eam.fs', () => {
    const info = readPotentialInfo(DEBIAN_POTENTIAL);
    expect(info.pairStyle).toBe('eam/fs');
    expect(info.elements).toEqual(['Cu', 'Zr']);
    expect(info.cutoffA).toBeCloseTo(7.6, 6);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(() => requireElements(info, ['Cu', 'Zr'])).not.toThrow();
  });

  it('names the file and the missing element when a potential lacks one', () => {
    const file = path.join(tempDir(), 'Zr_only.eam.fs');
    fs.writeFileSync(file, 'c1\nc2\nc3\n1 Zr\n100 0.01 100 0.01 7.6\n');
    const info = readPotentialInfo(file);
    expect(() => requireElements(info, ['Cu', 'Zr'])).toThrow(`${file} has no parameters for Cu (it covers Zr)`);
  });

  it('refuses unknown formats and malformed headers with the line named', () => {
    const dir = tempDir();
    const tersoff = path.join(dir, 'SiC.tersoff');
    fs.writeFileSync(tersoff, 'x');
    expect(() => readPotentialInfo(tersoff)).toThrow(/unknown potential format/);
    const broken = path.join(dir, 'broken.eam.alloy');
    fs.writeFileSync(broken, 'c1\nc2\nc3\n2 Cu\n');
    expect(() => readPotentialInfo(broken)).toThrow(`${broken}, line 4: expected "N element1 … elementN"`);
    expect(() => readPotentialInfo(path.join(dir, 'missing.eam.fs'))).toThrow(/cannot read the potential file \(ENOENT\)/);
  });
});
