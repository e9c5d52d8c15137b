#!/bin/bash
# fp16, dynamic and int8 of one trained model, as docs/model-sweep.md's "int8 on more trained npm models" ran them:
#   scripts/quantize-modes.sh OUT_DIR NAME MODEL.onnx CALIB_DIR STD [more convert flags, e.g. --input-shape ...]
# writes OUT_DIR/NAME/NAME_{fp16,dynamic,int8}.tflite with each convert's --json and stderr (int8 with --progress and
# /usr/bin/time -v); judge them with scripts/check-int8-zoo.ts.
set -u
OUT=$1; N=$2; M=$3; C=$4; S=$5; shift 5
O=$OUT/$N; mkdir -p "$O"
B="$(dirname "$0")/../bin/onnx2lite.js"
for mode in fp16 dynamic; do
  echo "== $N $mode $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  nice -n 10 timeout 1800 node "$B" convert "$M" -o "$O/${N}_$mode.tflite" --quantize $mode "$@" --json > "$O/$mode.json" 2> "$O/$mode.err"; echo "rc $?"
done
echo "== $N int8 $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v nice -n 10 timeout 2400 node "$B" convert "$M" -o "$O/${N}_int8.tflite" --quantize int8 --calibration "$C" --std "$S" "$@" \
  --progress --json > "$O/int8.json" 2> "$O/int8.err"; echo "rc $?"
echo "== $N done $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
