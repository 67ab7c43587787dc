import { describe, expect, it } from 'vitest';
import { lammpsReleaseDate, LammpsOutputParser, type LammpsEvent } from '../../../native-workers/lib/lammps/output-parser';
import { parseLammpsHelp, requireCapabilities } from '../../../native-workers/lib/lammps/lammps-engine';

/** Screen output of Debian's lmp (29 Sep 2021) for a short run, trimmed: what the parser must follow. */
const OUTPUT = `LAMMPS (29 Sep 2021 - Update 2)
OMP_NUM_THREADS environment is not set. Defaulting to 1 thread. (src/comm.cpp:98)
Reading data file ...
  orthogonal box = (0.0000000 0.0000000 0.0000000) to (14.556000 14.556000 14.556000)
@ssro stage 0 melt at 2000 K
Per MPI rank memory allocation (min/avg/max) = 3.132 | 3.132 | 3.132 Mbytes
Step Temp PotEng Volume Press v_xdop 
       0         2000   -1185.4214    3084.2006    80386.412         0.36 
     100    1186.2216   -1095.7446    3310.5526    11937.018         0.36 
Loop time of 1.06 on 1 procs for 100 steps with 256 atoms
WARNING: Energy due to 1 extra global DOFs will be included in minimizer energies
@ssro stage -1 minimise energy
Step Temp PotEng Volume Press v_xdop 
     100    1186.2216   -1095.7446    3310.5526    11937.018         0.36 
     120            0   -1190.1234    3200.0000        0.125         0.36 
     120            0   -1190.1234    3200.0000        0.125         0.36 
Loop time of 0.2 on 1 procs for 20 steps with 256 atoms
@ssro done
Total wall time: 0:00:01
`;

describe('LAMMPS output parser', () => {
  it('follows the version, stages, thermo rows and warnings', () => {
    const parser = new LammpsOutputParser();
    const events = OUTPUT.split('\n')
      .map((l) => parser.feed(l))
      .filter((e): e is LammpsEvent => e !== null);
    expect(events[0]).toEqual({ kind: 'version', version: '29 Sep 2021 - Update 2' });
    expect(events.filter((e) => e.kind === 'stage')).toEqual([
      { kind: 'stage', index: 0, name: 'melt at 2000 K' },
      { kind: 'stage', index: -1, name: 'minimise energy' },
    ]);
    const thermo = events.filter((e) => e.kind === 'thermo');
    expect(thermo).toHaveLength(5);
    expect(thermo[1]).toEqual({ kind: 'thermo', columns: ['Step', 'Temp', 'PotEng', 'Volume', 'Press', 'v_xdop'], values: [100, 1186.2216, -1095.7446, 3310.5526, 11937.018, 0.36] });
    expect(events.some((e) => e.kind === 'warning')).toBe(true);
    expect(events[events.length - 1]).toEqual({ kind: 'done' });
    expect(parser.errorLine).toBeNull();
  });

  it('keeps the first ERROR line (what the user is shown) and ends the table', () => {
    const parser = new LammpsOutputParser();
    for (const line of ['Step Temp PotEng Volume Press v_xdop', '0 2000 -1 3000 1 0.36']) parser.feed(line);
    expect(parser.feed('ERROR: Lost atoms: original 256 current 255 (src/thermo.cpp:485)')).toEqual({
      kind: 'error',
      line: 'ERROR: Lost atoms: original 256 current 255 (src/thermo.cpp:485)',
    });
    parser.feed('ERROR on proc 0: something else');
    expect(parser.errorLine).toBe('ERROR: Lost atoms: original 256 current 255 (src/thermo.cpp:485)');
    expect(parser.feed('100 2000 -1 3000 1 0.36')).toBeNull();
  });

  it('reads release dates of old and new version strings', () => {
    expect(lammpsReleaseDate('29 Sep 2021 - Update 2')?.toISOString().slice(0, 10)).toBe('2021-09-29');
    expect(lammpsReleaseDate('2 Aug 2023')?.toISOString().slice(0, 10)).toBe('2023-08-02');
    expect(lammpsReleaseDate('unknown')).toBeNull();
  });
});

const HELP = `
Large-scale Atomic/Molecular Massively Parallel Simulator - 3 Mar 2020

Installed packages:

MANYBODY MOLECULE

List of individual style options included in this LAMMPS executable

* Pair styles:

eam             eam/alloy       eam/fs

* Fix styles

box/relax       npt             nvt
`;

describe('LAMMPS capabilities', () => {
  it('reads the version, packages and styles from lmp -h and refuses an old or incomplete build', () => {
    const caps = parseLammpsHelp('/opt/lmp', HELP);
    expect(caps.version).toBe('3 Mar 2020');
    expect(caps.packages).toEqual(['MANYBODY', 'MOLECULE']);
    expect(caps.styles.has('eam/fs')).toBe(true);
    expect(caps.styles.has('atom/swap')).toBe(false);
    expect(() => requireCapabilities(caps, ['eam/fs'])).toThrow(/LAMMPS 3 Mar 2020 at \/opt\/lmp is too old/);
    const newer = { ...caps, version: '2 Aug 2023' };
    expect(() => requireCapabilities(newer, ['eam/fs', 'atom/swap'])).toThrow(/lacks atom\/swap .*MC package/);
    expect(() => requireCapabilities(newer, ['eam/fs', 'box/relax'])).not.toThrow();
    expect(() => parseLammpsHelp('/bin/true', 'usage: true')).toThrow(/does not look like LAMMPS/);
  });
});
