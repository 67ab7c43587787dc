#!/bin/sh
# Imports and labels the training structures (structures.sh's WORK_DIR plus the demo structures in ../demo) into one
# project and builds the three datasets the bundled model is trained and judged on:
#   training set  every structure except the unseen boundaries (film U, and the demo's thin-film complexion of seed
#                 54321, which `npm start` shows as the bundled model's unseen boundary); zones x, z, [101] and a
#                 near-[001] direction tilted 6° (so crystals are seen on and off low-index zones; not y or [111],
#                 because the demo complexions' 18 Å y period is shorter than the 20 Å probe height), the paper's
#                 cylinder probe (r 5 Å, h 20 Å) on a 3 Å grid (probes 10 Å wide: neighbours still share most
#                 atoms, and a finer grid only repeats them), labelled grain / ACTR / interior along x (the
#                 complexions' boundary normal). Validation is leave-structure-out: a glass of another composition and
#                 a crystal in a random orientation (VALIDATION_STRUCTURES in structures.env), and, to compare
#                 candidates, also the demo's thin-film complexion of seed 12345 (COMPLEXION_CHECK), which the bundled
#                 model then trains on. Slabs of one structure cannot be blocked here: with four zones no axis is
#                 perpendicular to all of them, and the cells are 18–41 Å along the other axes;
#   unseen sets   the held-out film complexion U, and the demo's thin-film complexion of seed 54321, each on a 1 Å
#                 grid looking down z (the tilt axis), labelled along x, like the paper's test strip across an unseen
#                 boundary.
#   sh resources/training/datasets.sh WORK_DIR      → WORK_DIR/project, ids in WORK_DIR/ids.env
# Every step is skipped when its result exists, so the script can be run again after an interruption.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
demo="$here/../demo"
ssro="node $here/../../bin/ssro.js"
work=${1:?usage: datasets.sh WORK_DIR}
p="$work/project"
ids="$work/ids.env"
[ -d "$p" ] || $ssro project init "$p" >/dev/null
touch "$ids"

# The project id of the structure named $2 (imported and labelled from file $1 when it is not there yet).
structure() { # file name → id
  id=$($ssro structures "$p" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s).find(j=>j.name===process.argv[1]);if(j)process.stdout.write(String(j.id))})" "$2")
  if [ -z "$id" ]; then
    id=$($ssro import "$p" "$1.data" --provenance "$1.simulation" --name "$2")
    $ssro label "$p" "$id" >/dev/null
  fi
  echo "$id"
}

train_ids=""
validation_ids=""
add() { train_ids="$train_ids $(structure "$1" "$2")"; }
validate() { id=$(structure "$1" "$2"); train_ids="$train_ids $id"; validation_ids="$validation_ids $id"; }
add "$demo/cu64zr36-glass" "Cu64Zr36 glass (demo, 57 K/ps)"
add "$demo/cuzr-complexion" "Cu(Zr) thin-film complexion (demo, seed 12345)"
complexion_check=$(structure "$demo/cuzr-complexion" "Cu(Zr) thin-film complexion (demo, seed 12345)")
add "$demo/cuzr-nanocomposite" "Cu-Zr nanocomposite (demo)"
for name in glass-cu64zr36-q200 glass-cu50zr50-q50 glass-cu64zr36-q10 crystal-cu-cube crystal-cuzr2-random \
  crystal-cuzr5-random crystal-cuzr1-110 crystal-random-2105 crystal-random-2106 crystal-random-2107 \
  crystal-random-2108 crystal-random-2109 crystal-random-2110 film-a film-b film-c film-d; do
  if [ ! -f "$work/$name.data" ]; then echo "datasets.sh: $name.data not made yet; left out" >&2; continue; fi
  case $name in glass-cu50zr50-q50|crystal-random-2110) validate "$work/$name" "$name" ;; *) add "$work/$name" "$name" ;; esac
done
unseen=$(structure "$work/film-u" "film-u (unseen)")
thin=$(structure "$demo/cuzr-complexion-seed54321" "Cu(Zr) thin-film complexion (demo, seed 54321)")

dataset() { # key name args… → id (built once; its id kept in ids.env)
  key=$1; shift
  id=$(sed -n "s/^$key=//p" "$ids")
  if [ -z "$id" ]; then
    id=$($ssro dataset build "$p" "$@")
    echo "$key=$id" >> "$ids"
  fi
  echo "$id"
}
# shellcheck disable=SC2086
train=$(dataset TRAIN --source $train_ids --zone "x;z;1,0,1;0.1,0.05,1" --step 3.0 --region-axis x \
  --name "training set: glasses, crystals, complexions, composite; cylinder r5 h20; 4 zones; 3 Å grid")
test=$(dataset UNSEEN --source "$unseen" --zone z --step 1.0 --region-axis x \
  --name "unseen film complexion U; cylinder r5 h20; zone z; 1 Å grid")
thin_test=$(dataset UNSEEN_THIN --source "$thin" --zone z --step 1.0 --region-axis x \
  --name "unseen thin-film complexion (demo, seed 54321); cylinder r5 h20; zone z; 1 Å grid")
echo "TRAIN_STRUCTURES=\"$train_ids\"" > "$work/structures.env"
echo "VALIDATION_STRUCTURES=\"$validation_ids\"" >> "$work/structures.env"
echo "COMPLEXION_CHECK=$complexion_check" >> "$work/structures.env"
echo "UNSEEN_STRUCTURES=\"$unseen $thin\"" >> "$work/structures.env"
echo "training dataset $train, unseen datasets $test (film U) and $thin_test (thin film)"
