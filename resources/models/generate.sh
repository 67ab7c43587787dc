#!/bin/sh
# Regenerates the bundled default model (ssro-ensemble.onnx) with the app's own commands, and judges it on the two
# boundaries no training pattern came from:
#   1. resources/training/structures.sh WORK   LAMMPS structures: glasses at three quench rates, thermalised crystals
#                                              in ten orientations, four film complexions and the unseen film U
#                                              (≈ 3 h on 2 cores; resumable, skips what exists)
#   2. resources/training/datasets.sh WORK     labels, the training set (4 zones, 3 Å grid) and the unseen sets
#   3. train                                   a deep ensemble of MEMBERS invariant-mlp (rotation-invariant ring
#                                              features into a small MLP; the best of the candidates that
#                                              resources/training/candidates.sh compares), annulus-log, detector
#                                              augmentation, cosine schedule with a weight average over EPOCHS
#                                              epochs; the epoch kept is the best on a held-out glass and crystal
#   4. judge                                   ssro predict on the unseen film complexion U and on the demo's thin-film
#                                              complexion of seed 54321 → ssro-ensemble.unseen-metrics.json
#   sh resources/models/generate.sh WORK_DIR      (EPOCHS, default 8; MEMBERS, default 3)
# Training ≈ 1 min per epoch for three members on ≈ 10k patterns on a 2-core CPU (`npm run bench` measures the loop).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
training="$here/../training"
ssro="node $here/../../bin/ssro.js"
work=${1:?usage: generate.sh WORK_DIR}
epochs=${EPOCHS:-8}
members=${MEMBERS:-3}
name=ssro-ensemble
p="$work/project"

sh "$training/structures.sh" "$work"
sh "$training/datasets.sh" "$work"
# shellcheck disable=SC1091
. "$work/ids.env"
# shellcheck disable=SC1091
. "$work/structures.env"

# shellcheck disable=SC2086
model=$($ssro train "$p" --dataset "$TRAIN" --model invariant-mlp --members "$members" \
  --transform annulus-log --augmentation detector --epochs "$epochs" --best-after-epoch "$epochs" \
  --split structure --holdout-structure $VALIDATION_STRUCTURES \
  --name "SSRO ensemble ($members × invariant-mlp)")
onnx=$($ssro model list "$p" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const m=JSON.parse(s).find(m=>m.id===Number(process.argv[1]));process.stdout.write(m.onnxPath)})" "$model")
cp "$onnx" "$here/$name.onnx.tmp" && mv "$here/$name.onnx.tmp" "$here/$name.onnx"
$ssro model info "$here/$name.onnx" > "$here/$name.json"

# The unseen boundaries, predicted with the bundled file from the project's dataset folders (raw patterns, the model's
# own transform and k-nodes), one metrics file holding both.
folder() { # dataset id → its folder
  $ssro dataset list "$p" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{process.stdout.write(JSON.parse(s).find(d=>d.id===Number(process.argv[1])).folder)})" "$1"
}
$ssro predict "$here/$name.onnx" "$(folder "$UNSEEN")" --out "$work/unseen-film-u.csv" --metrics "$work/unseen-film-u.json"
$ssro predict "$here/$name.onnx" "$(folder "$UNSEEN_THIN")" --out "$work/unseen-thin.csv" --metrics "$work/unseen-thin.json"
node -e "
const fs=require('fs');const [a,b,out]=process.argv.slice(1);
const report={filmU:JSON.parse(fs.readFileSync(a,'utf8')),thinFilmSeed54321:JSON.parse(fs.readFileSync(b,'utf8'))};
fs.writeFileSync(out+'.tmp',JSON.stringify(report,null,2)+'\n');fs.renameSync(out+'.tmp',out);
" "$work/unseen-film-u.json" "$work/unseen-thin.json" "$here/$name.unseen-metrics.json"
