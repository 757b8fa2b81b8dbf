#!/usr/bin/env bash
# Every check that needs a GPU, in one call: the CUDA tests (twins on the GPU equal the CPU's,
# finite under bf16 autocast; a CUDA training run killed and resumed), the loss benchmark on
# CUDA, the training-epoch benchmark (a Fashion-MNIST epoch with the official CNN, our loop vs
# the official DataLoader style, CPU and CUDA; it needs the Debian package
# dataset-fashion-mnist) and the stacked-training benchmark with its estimate of the paper's
# MNIST grid in GPU-hours. One log per step goes into OUT; a summary goes to stdout.
# With REPRODUCE=1 it also runs the paper's full reproduction grid on Fashion-MNIST
# (alfs reproduce --setting full: all data, 50 epochs, 150 runs; resumable, into OUT/reproduction).
# With STUDY=1 it runs the ratio study at the paper's scale (alfs study ratio --setting full:
# Fashion-MNIST, all data, 50 epochs, 276 runs; resumable, into OUT/ratio_study).
#
#   bash benchmarks/gpu_checks.sh [OUT]          # OUT defaults to gpu_checks/
#
# It needs torch with CUDA, sympy, scipy, mpmath, numpy, scikit-learn, hypothesis and pytest;
# the package itself is taken from this checkout (PYTHONPATH), not installed.
set -u
out="${1:-gpu_checks}"
py="${PYTHON:-python3}"
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

if ! "$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "gpu_checks: no CUDA device visible to $py (torch.cuda.is_available() is False);" \
         "run this on a GPU machine" >&2
    exit 2
fi
"$py" -c "import torch; print('torch', torch.__version__, '|', torch.cuda.get_device_name())"

status=0
step() {  # step NAME COMMAND...: run, keep the log, print its tail and the time taken
    local name=$1
    shift
    echo "== $name: $*"
    local t0=$SECONDS
    "$@" >"$out/$name.txt" 2>&1
    local rc=$?
    echo "   exit $rc after $((SECONDS - t0)) s; log $out/$name.txt"
    tail -n 6 "$out/$name.txt" | sed 's/^/   | /'
    [ "$rc" -eq 0 ] || status=1
}

step cuda_tests "$py" -m pytest -q -p no:cacheprovider tests/test_nn.py tests/test_train.py -k cuda
step bench_losses "$py" benchmarks/bench_losses.py --device cuda --min-run-time 0.1 --rounds 2 --floor --step
step bench_train "$py" benchmarks/bench_train.py --json "$out/bench_train.json"
step bench_stacked "$py" benchmarks/bench_stacked.py --device cuda
if [ "${REPRODUCE:-0}" = 1 ]; then
    step reproduce "$py" -m alfs_theory.cli reproduce --setting full --device cuda \
        --out "$out/reproduction"
fi
if [ "${STUDY:-0}" = 1 ]; then
    step ratio_study "$py" -m alfs_theory.cli study ratio --setting full --dataset fashion-mnist \
        --device cuda --out "$out/ratio_study"
fi
exit "$status"
