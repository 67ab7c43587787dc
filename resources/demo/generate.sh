#!/bin/sh
# Regenerates the demo structures in this folder with the app's own commands (Debian lammps 29 Sep 2021,
# CuZr_mm.eam.fs from lammps-data). Each protocol runs in its own scratch project; the final structure is exported
# as a LAMMPS data file and its provenance (input script, LAMMPS log, thermo table, parameters) is kept beside it.
# Wall time on a 2-core machine: glass ≈ 5 min, composite ≈ 20 min, complexion ≈ 45 min.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ssro="node $here/../../bin/ssro.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # name file protocol args…
  name=$1; file=$2; shift 2
  $ssro project init "$work/$file" >/dev/null
  id=$($ssro simulate "$@" "$work/$file" --name "$name")
  $ssro export "$work/$file" "$id" --out "$here/$file.data" --format lammps-data
  dir=$(ls -d "$work/$file"/structures/*/simulation)
  mkdir -p "$here/$file.simulation"
  cp "$dir/in.lammps" "$dir/log.lammps" "$dir/thermo.csv" "$dir/provenance.json" "$here/$file.simulation/"
}

run "Cu-Zr glass, 2048 atoms (melt-quench 57 K/ps)" cu64zr36-glass \
  glass --composition Cu64Zr36 --atoms 2048 --melt-ps 10 --quench-rate 56.6667 --hold-ps 5 --seed 4928459 --thermo-every 500

run "Cu-Zr nanocomposite (aligned r = 4a, rotated r = 3a)" cuzr-nanocomposite \
  composite --cells 10,10,10 --nanocrystal 0.25,0.25,0.25:4 --nanocrystal 0.75,0.75,0.75:3:axis=1,1,1:angle=30 \
  --melt-ps 10 --quench-rate 50 --equilibrate-ps 20 --thermo-every 500

run "Cu(Zr) complexion bicrystal" cuzr-complexion \
  complexion --grain-width 45 --length-y 18 --length-z 21 --temperature 1000 --equilibrate-steps 5000 \
  --dopant-fraction 0.06 --mc-steps 60000 --swap-every 20 --swap-attempts 10 --thermo-every 500

# The same complexion with another seed: a boundary no model trained on the demo set has seen.
run "Cu(Zr) complexion bicrystal, seed 54321 (held out for model tests)" cuzr-complexion-seed54321 \
  complexion --seed 54321 --grain-width 45 --length-y 18 --length-z 21 --temperature 1000 --equilibrate-steps 5000 \
  --dopant-fraction 0.06 --mc-steps 60000 --swap-every 20 --swap-attempts 10 --thermo-every 500
