#!/usr/bin/env python3
"""Build-time generator of resources/elements/xray-form-factors.json from Debian's python3-periodictable.

The app never imports Python for this: it reads only the JSON written here. Run with the system Python that has
the package (Debian: `apt-get install python3-periodictable`):

    /usr/bin/python3 scripts/generate-xray-form-factors.py [output.json]

What it stores (and why):
  * X-ray f0: the Waasmaier & Kirfel (1995) five-Gaussian fits that periodictable ships as
    periodictable/xsf/f0_WaasKirf.dat (the DABAX file) and evaluates in periodictable.cromermann:
    f0(s) = c + sum_i a_i exp(-b_i s^2), s = sin(theta)/lambda = q/(4 pi) in 1/Angstrom, valid for 0 <= s <= 6.
    Neutral atoms go under "elements", ions (e.g. "Cu2+") under "ions"; "Cval" (valence carbon) is skipped.
  * Neutron: the bound coherent scattering lengths b_c (fm) of the natural elements from periodictable.nsf
    (Rauch & Waschkowski 2003, ILL Neutron Data Booklet), q-independent.
Provenance (package, versions, file, SHA-256) is recorded so a reader can tell exactly which table it has.
"""
import hashlib
import json
import os
import subprocess
import sys

import periodictable
from periodictable import cromermann


def debian_version(package):
    """The installed Debian version of `package`, or None when dpkg does not know it."""
    try:
        out = subprocess.run(['dpkg-query', '-W', '-f=${Version}', package], capture_output=True, text=True, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', 'resources', 'elements', 'xray-form-factors.json')

    table_file = os.path.join(periodictable.core.get_data_path('xsf'), 'f0_WaasKirf.dat')
    with open(table_file, 'rb') as fh:
        table_sha256 = hashlib.sha256(fh.read()).hexdigest()

    # Parse through periodictable's own reader so the coefficients are exactly what its f0() evaluates.
    cromermann._update_cmformulas()
    formulas = cromermann._cmformulas

    def entry(cmf):
        return {'a': [float(x) for x in cmf.a], 'b': [float(x) for x in cmf.b], 'c': float(cmf.c)}

    elements = {}
    for el in periodictable.elements:
        if el.number == 0 or el.symbol not in formulas:
            continue
        elements[el.symbol] = dict(Z=el.number, **entry(formulas[el.symbol]))

    def ion_key(symbol):
        base = symbol.rstrip('0123456789+-')
        return (getattr(periodictable, base).number if hasattr(periodictable, base) else 999, symbol)

    ions = {}
    skipped = []
    for symbol in sorted(formulas, key=ion_key):
        if symbol in elements:
            continue
        if symbol[-1:] in '+-':
            ions[symbol] = entry(formulas[symbol])
        else:
            skipped.append(symbol)

    neutron = {}
    for el in periodictable.elements:
        if el.number == 0:
            continue
        b_c = getattr(el.neutron, 'b_c', None)
        if b_c is not None:
            neutron[el.symbol] = float(b_c)

    data = {
        'provenance': {
            'generator': 'scripts/generate-xray-form-factors.py',
            'package': 'python3-periodictable',
            'debianVersion': debian_version('python3-periodictable'),
            'periodictableVersion': periodictable.__version__,
            'xray': {
                'table': 'periodictable/xsf/f0_WaasKirf.dat (DABAX), read by periodictable.cromermann',
                'sha256': table_sha256,
                'reference': 'D. Waasmaier & A. Kirfel, Acta Cryst. A51 (1995) 416-431, doi:10.1107/S0108767394013292',
                'skipped': skipped,
            },
            'neutron': {
                'table': 'periodictable.nsf (natural-abundance elements)',
                'reference': 'H. Rauch & W. Waschkowski (2003), ILL Neutron Data Booklet, 2nd ed., pp. 1.1-1 to 1.1-17',
            },
        },
        'xray': {
            'formula': 'f0(s) = c + sum_i a_i exp(-b_i s^2), s = sin(theta)/lambda = q/(4 pi) [1/Angstrom], f0 in electrons',
            'sMaxInvA': float(cromermann.CromerMannFormula.stollimit),
            'elements': elements,
            'ions': ions,
        },
        'neutron': {
            'quantity': 'bound coherent scattering length b_c (real part), q-independent',
            'unit': 'fm',
            'elements': neutron,
        },
    }
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, 'w', encoding='utf-8') as fh:
        json.dump(data, fh, indent=1)
        fh.write('\n')
    print('wrote %s: %d elements, %d ions (X-ray), %d neutron lengths' % (out_path, len(elements), len(ions), len(neutron)))


if __name__ == '__main__':
    main()
