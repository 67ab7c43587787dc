#!/bin/sh
# Trains the candidate models side by side on datasets.sh's training set, validated leave-structure-out on a glass,
# a crystal and the demo's thin-film complexion of seed 12345 (none of which they train on), judges each on the two
# unseen boundaries, and prints the table the bundled model was chosen by:
#   candidate · validation RMSE (held-out structures) · unseen film U RMSE overall / grain / ACTR / interior ·
#   unseen thin film RMSE · ONNX size
#   sh resources/training/candidates.sh WORK_DIR [NAME…]      (after datasets.sh; → WORK_DIR/candidates.tsv)
# A candidate whose row exists in candidates.tsv is skipped. Cost on a 2-core CPU (≈ 9,700 training patterns): the
# three-member compactcnn ensemble ≈ 50 s per epoch, invariant-mlp ≈ 45 s per epoch.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ssro="node $here/../../bin/ssro.js"
work=${1:?usage: candidates.sh WORK_DIR [NAME…]}
shift
only="$*"
p="$work/project"
table="$work/candidates.tsv"
# shellcheck disable=SC1091
. "$work/ids.env"
# shellcheck disable=SC1091
. "$work/structures.env"
[ -f "$table" ] || printf 'candidate\tmodel\tvalidation_rmse\tfilm_u_rmse\tfilm_u_grain\tfilm_u_actr\tfilm_u_interior\tthin_rmse\tonnx_mb\n' > "$table"

json() { # file expression → value (node evaluates expression on the parsed JSON `j`)
  node -e "const j=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));const v=($2);process.stdout.write(v===null||v===undefined?'—':String(typeof v==='number'?v.toFixed(4):v))" "$1"
}
folder() { # dataset id → its folder
  $ssro dataset list "$p" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{process.stdout.write(JSON.parse(s).find(d=>d.id===Number(process.argv[1])).folder)})" "$1"
}

candidate() { # name args…
  name=$1; shift
  case " $only " in *" $name "*|"  ") ;; *) return 0 ;; esac
  if cut -f1 "$table" | grep -qx "$name"; then return 0; fi
  # shellcheck disable=SC2086
  model=$($ssro train "$p" --dataset "$TRAIN" "$@" --split structure \
    --holdout-structure $VALIDATION_STRUCTURES "$COMPLEXION_CHECK" --name "candidate: $name")
  info=$($ssro model list "$p" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const m=JSON.parse(s).find(m=>m.id===Number(process.argv[1]));process.stdout.write(m.onnxPath+'\t'+m.metrics.validation.rmse)})" "$model")
  onnx=$(echo "$info" | cut -f1)
  validation=$(echo "$info" | cut -f2)
  mkdir -p "$work/candidates"
  $ssro predict "$onnx" "$(folder "$UNSEEN")" --out "$work/candidates/$name-film-u.csv" --metrics "$work/candidates/$name-film-u.json" 2>/dev/null
  $ssro predict "$onnx" "$(folder "$UNSEEN_THIN")" --out "$work/candidates/$name-thin.csv" --metrics "$work/candidates/$name-thin.json" 2>/dev/null
  u="$work/candidates/$name-film-u.json"
  size=$(node -e "process.stdout.write((require('fs').statSync(process.argv[1]).size/1e6).toFixed(1))" "$onnx")
  printf '%s\t%s\t%.4f\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$model" "$validation" "$(json "$u" j.overall.rmse)" \
    "$(json "$u" j.regions.grain.rmse)" "$(json "$u" j.regions.actr.rmse)" "$(json "$u" j.regions.interior.rmse)" \
    "$(json "$work/candidates/$name-thin.json" j.overall.rmse)" "$size" >> "$table"
}

common="--transform annulus-log --augmentation detector"
candidate invariant-mlp-8 --model invariant-mlp $common --epochs 8
candidate invariant-mlp-label-8 --model invariant-mlp $common --epochs 8 --balance label
candidate ensemble3-67-8 --model compactcnn --input-side 67 --members 3 $common --epochs 8
candidate invariant-mlp-balanced-24 --model invariant-mlp $common --epochs 24 --best-after-epoch 24 --balance structure
candidate ensemble3-67-balanced-24 --model compactcnn --input-side 67 --members 3 $common --epochs 24 \
  --best-after-epoch 24 --balance structure
column -t -s "$(printf '\t')" "$table" 2>/dev/null || cat "$table"
