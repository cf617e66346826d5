#!/usr/bin/env bash
# The proof that the README's test command passes on every machine the README names, run on one machine:
#   default                 this CPU, the locked versions (constraints.txt)
#   SSE41, AVX2             another CPU's float kernels (ONEDNN_MAX_CPU_ISA; AVX2 only where the CPU has it)
#   no TFLite Micro         as on macOS, Windows and ARM Linux, which have no tflite-micro wheel (COURSE_TFLM=off)
#   Colab                   Colab's versions (tools/colab-pins.txt) in a Python 3.13 venv, without the instructor
#                           extra (nbgrader 0.9 needs notebook 7; the nbgrader tests say they skip there and why)
# Everything is installed first; then each `make test` runs with the network cut where root can cut it.
# The nbgrader pipeline (tests/test_nbgrader.py, minutes) runs in the default configuration only (COURSE_CLASSROOM_ONCE).
# Prints each configuration's wall time and exits 1 if any failed. `make proof` runs it; so does CI.
set -uo pipefail
cd "$(dirname "$0")/.."

COLAB_VENV=build/colab-venv
LOG=build/proof
mkdir -p "$LOG"

# Python 3.13 for the Colab configuration: on PATH, or in pyenv's versions.
py313=""
for p in python3.13 "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13; do
  if "$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then py313=$p; break; fi
done

echo "== installing (online)"
make install || exit 1
if [ -n "$py313" ]; then
  make install VENV=$COLAB_VENV PY="$py313" CONSTRAINTS=tools/colab-pins.txt EXTRAS=dev || exit 1
fi

offline() {
  if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    unshare -n sh -c 'ip link set lo up && "$@"' sh "$@"
  else
    "$@"
  fi
}

results=()
failed=0
run() {  # run NAME ENV... -- MAKE-ARGS...
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  echo "== $name: make test $*"
  local start=$SECONDS
  if offline env "${envs[@]}" make test "$@" > "$LOG/$name.log" 2>&1; then status=passed; else status=FAILED; failed=1; fi
  local took=$((SECONDS - start))
  tail -n 3 "$LOG/$name.log"
  results+=("$(printf '%-16s %-7s %4d s  %s' "$name" "$status" "$took" "$(grep -E '^[0-9]+ (passed|failed)|(passed|failed).* in ' "$LOG/$name.log" | tail -n 1)")")
}

if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  echo "Every configuration runs with the network cut (unshare -n, loopback up)."
else
  echo "Cannot cut the network here (needs root and unshare): the configurations run online."
fi
run default -- 
run SSE41 ONEDNN_MAX_CPU_ISA=SSE41 COURSE_CLASSROOM_ONCE=1 --
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  run AVX2 ONEDNN_MAX_CPU_ISA=AVX2 COURSE_CLASSROOM_ONCE=1 --
else
  results+=("AVX2             skipped: this CPU has no AVX2, so oneDNN cannot be limited to it")
fi
run no-TFLite-Micro COURSE_TFLM=off COURSE_CLASSROOM_ONCE=1 --
if [ -n "$py313" ]; then
  run Colab -- VENV=$COLAB_VENV CONSTRAINTS=tools/colab-pins.txt EXTRAS=dev
else
  results+=("Colab            skipped: no Python 3.13 found (on PATH or in pyenv), which Colab's versions need")
fi

echo
echo "== proof: make test per configuration (logs in $LOG/)"
printf '%s\n' "${results[@]}"
exit $failed
