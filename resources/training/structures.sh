#!/bin/sh
# Makes the training structures of the bundled model with the app's own `ssro simulate` (Debian lammps 29 Sep 2021,
# CuZr_mm.eam.fs from lammps-data): glasses at three quench rates and two compositions, thermalised FCC Cu and
# Cu(Zr) solid solutions in several orientations, and grain-boundary complexions with 2.5–4 nm amorphous films in two
# misorientations (one of them held out as the unseen test). The demo structures in ../demo (a glass, two thin-film
# complexions and a nanocomposite) join them in generate.sh.
#
#   sh resources/training/structures.sh WORK_DIR [NAME…]
#
# Each structure runs in its own project WORK_DIR/projects/NAME and is exported as WORK_DIR/NAME.data with its
# provenance (input script, LAMMPS log, thermo table, parameters) in WORK_DIR/NAME.simulation/. A structure whose
# .data exists is skipped; a run that stopped (killed, cancelled, machine rebooted) is resumed from its newest restart
# file, so the script can simply be run again. Names given after WORK_DIR limit the run to those structures.
#
# Cost on a 2-core machine (one LAMMPS process each, ~5–8 µs per atom-step per core): the films ≈ 2.8e8 atom-steps
# each (25–45 min), the 10 K/ps glass ≈ 1.8e8 (15–25 min), the other glasses and the crystals a few minutes each.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ssro="node $here/../../bin/ssro.js"
work=${1:?usage: structures.sh WORK_DIR [NAME…]}
shift
only="$*"
mkdir -p "$work/projects"

# The newest simulate job of a project that did not succeed, or nothing.
unfinished() {
  $ssro jobs "$1" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s).find(j=>j.kind==='simulate'&&j.state!=='succeeded');if(j)process.stdout.write(String(j.id))})"
}

run() { # name protocol args…
  name=$1; shift
  case " $only " in *" $name "*|"  ") ;; *) return 0 ;; esac
  [ -f "$work/$name.data" ] && return 0
  p="$work/projects/$name"
  [ -d "$p" ] || $ssro project init "$p" >/dev/null
  job=$(unfinished "$p")
  if [ -n "$job" ]; then id=$($ssro simulate "$1" "$p" --resume "$job"); else id=$($ssro simulate "$@" "$p"); fi
  $ssro export "$p" "$id" --out "$work/$name.data.tmp" --format lammps-data
  dir=$(ls -d "$p"/structures/*/simulation | head -n 1)
  mkdir -p "$work/$name.simulation"
  cp "$dir"/*.lammps "$dir/thermo.csv" "$dir/provenance.json" "$work/$name.simulation/"
  mv "$work/$name.data.tmp" "$work/$name.data"
}

# Glasses: quench rate and composition change the amount of icosahedral order (d), so both vary.
run glass-cu64zr36-q200 glass --composition Cu64Zr36 --atoms 2048 --melt-ps 10 --quench-rate 200 --hold-ps 5 --seed 771 \
  --thermo-every 500 --name "Cu64Zr36 glass, 2048 atoms (melt-quench 200 K/ps)"
run glass-cu50zr50-q50 glass --composition Cu50Zr50 --atoms 2048 --melt-ps 10 --quench-rate 50 --hold-ps 5 --seed 772 \
  --thermo-every 500 --name "Cu50Zr50 glass, 2048 atoms (melt-quench 50 K/ps)"
run glass-cu64zr36-q10 glass --composition Cu64Zr36 --atoms 2048 --melt-ps 10 --quench-rate 10 --hold-ps 10 --seed 773 \
  --thermo-every 1000 --name "Cu64Zr36 glass, 2048 atoms (melt-quench 10 K/ps)"

# Crystals at 300 K (phonon displacements, not perfect lattices): pure Cu and dilute Cu(Zr) solid solutions, on the cube
# axes, on <110>, and in eight random orientations (high-index, so every zone of the dataset is off a low-index zone).
crystal="--temperature 300 --equilibrate-ps 20 --thermo-every 500 --min-lengths 30,30,30"
run crystal-cu-cube crystal --seed 2101 --orientation 1,0,0/0,1,0/0,0,1 $crystal --name "Cu crystal, cube axes, 300 K"
run crystal-cuzr2-random crystal --seed 2102 --orientation random --max-atoms 8000 --dopant-fraction 0.02 $crystal \
  --name "Cu(Zr) 2 at.% solid solution, random orientation, 300 K"
run crystal-cuzr5-random crystal --seed 2103 --orientation random --max-atoms 8000 --dopant-fraction 0.05 $crystal \
  --name "Cu(Zr) 5 at.% solid solution, random orientation, 300 K"
run crystal-cuzr1-110 crystal --seed 2104 --orientation 1,1,0/-1,1,0/0,0,1 --dopant-fraction 0.01 $crystal \
  --name "Cu(Zr) 1 at.% solid solution, [110]/[-110]/[001], 300 K"
# Six more random orientations (0–4 at.% Zr), 10 ps at 300 K each: a crystal seen off every low-index zone must not look
# disordered to the model, and two random orientations were too few for that.
for spec in "2105 0" "2106 0.01" "2107 0.03" "2108 0.04" "2109 0" "2110 0.02"; do
  set -- $spec
  run "crystal-random-$1" crystal --seed "$1" --orientation random --max-atoms 8000 --dopant-fraction "$2" \
    --temperature 300 --equilibrate-ps 10 --thermo-every 500 --min-lengths 30,30,30 \
    --name "Cu(Zr) solid solution, Zr fraction $2, random orientation (seed $1), 300 K"
done

# Complexions with thick films: a Cu75Zr25 slab melted between held grains, quenched to 1000 K, then the whole bicrystal
# annealed at 1000 K (the film route of the complexion protocol). Periods: z 41 Å ≥ 2 × the 20 Å probe height; y 24 Å.
film="--length-y 24 --length-z 41 --dopant-fraction 0 --film-dopant-fraction 0.25 --film-melt-ps 10 --film-quench-rate 50 \
  --film-anneal-ps 20 --mc-steps 0 --equilibrate-steps 2000 --thermo-every 500"
run film-a complexion --seed 1501 --grain-width 70 --film-thickness 35 $film \
  --name "Cu(Zr) film complexion A: 3.5 nm Cu75Zr25 film, (110)/(001) tilt about [-110]"
run film-b complexion --seed 1502 --grain-width 70 --film-thickness 35 --grain-b 1,1,1/1,1,-2/-1,1,0 $film \
  --name "Cu(Zr) film complexion B: 3.5 nm film, (110)/(111) tilt about [-110]"
# Two thinner films in the same two misorientations (other seeds), so the transition regions the model learns from
# come from four boundaries, not two.
run film-c complexion --seed 1503 --grain-width 70 --film-thickness 25 $film \
  --name "Cu(Zr) film complexion C: 2.5 nm film, (110)/(001) tilt about [-110]"
run film-d complexion --seed 1504 --grain-width 70 --film-thickness 30 --grain-b 1,1,1/1,1,-2/-1,1,0 $film \
  --name "Cu(Zr) film complexion D: 3 nm film, (110)/(111) tilt about [-110]"
# The unseen test boundary: film A's misorientation, another seed and a thicker film; no training pattern comes from it.
run film-u complexion --seed 54321 --grain-width 70 --film-thickness 40 $film \
  --name "Cu(Zr) film complexion U: 4 nm film, seed 54321 (held out)"
