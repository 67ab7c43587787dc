#!/bin/sh
# Regenerates the bundled default model (ssro-ensemble-demo.onnx: a deep ensemble of five compactcnn members,
# transform v2 = annulus-log, detector-realistic augmentation) with the app's own commands, from the demo structures
# in ../demo, and evaluates it on the held-out complexion (seed 54321) that it never saw.
# Wall time on a 2-core CPU machine: labels + patterns ≈ 5 min, training ≈ 3 min per epoch (EPOCHS, default 12),
# evaluation < 1 min.
#   sh resources/models/generate.sh [WORK_DIR]     (WORK_DIR is kept; default: a temporary folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
demo="$here/../demo"
ssro="node $here/../../bin/ssro.js"
work=${1:-$(mktemp -d)}
epochs=${EPOCHS:-12}
p="$work/project"
name=ssro-ensemble-demo

$ssro project init "$p" >/dev/null
imp() { # file name → structure id (labelled)
  id=$($ssro import "$p" "$demo/$1.data" --provenance "$demo/$1.simulation" --name "$2")
  $ssro label "$p" "$id" >/dev/null
  echo "$id"
}
glass=$(imp cu64zr36-glass "Cu-Zr glass")
complexion=$(imp cuzr-complexion "Cu(Zr) complexion")
composite=$(imp cuzr-nanocomposite "Cu-Zr nanocomposite")
heldout=$(imp cuzr-complexion-seed54321 "Cu(Zr) complexion, seed 54321 (held out)")

# Training patterns: the paper's cylinder probe (r 5 Å, h 20 Å) on a 1 Å grid looking down z (in the complexion's
# boundary planes, whose normal is x; its 18 Å y period is too thin for a 20 Å probe along y), labelled grain / ACTR /
# interior along x.
train=$($ssro dataset build "$p" --source "$glass" "$complexion" "$composite" --zone z --step 1.0 --region-axis x \
  --name "demo set: glass, complexion, composite; cylinder r5 h20; zone z; 1 Å grid")
# Five small members trained side by side; bestAfterEpoch and the plateau patience suit a short run.
model=$($ssro train "$p" --dataset "$train" --model compactcnn --members 5 --transform annulus-log \
  --augmentation detector --epochs "$epochs" --best-after-epoch 2 --plateau-patience 2 --name "SSRO demo ensemble (5 × compactcnn, annulus-log)")
onnx=$($ssro model list "$p" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const m=JSON.parse(s).find(m=>m.id===Number(process.argv[1]));process.stdout.write(m.onnxPath)})" "$model")
cp "$onnx" "$here/$name.onnx.tmp" && mv "$here/$name.onnx.tmp" "$here/$name.onnx"
$ssro model info "$here/$name.onnx" > "$here/$name.json"

# The unseen boundary: same recipe, zone z only, exported with the model's transform and predicted with the bundled file.
test=$($ssro dataset build "$p" --source "$heldout" --zone z --step 1.0 --region-axis x \
  --name "held-out complexion (seed 54321); cylinder r5 h20; zone z; 1 Å grid")
$ssro dataset export "$p" "$test" "$work/heldout-export" --transform annulus-log
$ssro predict "$here/$name.onnx" "$work/heldout-export" --out "$work/heldout-predictions.csv" \
  --metrics "$here/$name.heldout-metrics.json"
