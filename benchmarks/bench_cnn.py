"""The official MNIST CNN on the CPU: memory layout, ReLU/pool order and evaluation chunk,
side by side in one run (issue #26, the main job's sweep).

Three ways of running the same network on one thread, timed interleaved (A, B, C, A, B, C,
...), least CPU time of the repeats (the one least disturbed by neighbours):

* **official**: NCHW tensors, conv -> BN -> ReLU -> pool (``nn.Sequential`` of the blocks);
* **channels-last**: the same order on NHWC tensors (``memory_format=torch.channels_last``);
* **ours**: what :func:`alfs_theory.experiments.train.run_training` runs: NHWC, and
  ``CNN.forward``'s conv -> BN -> pool -> ReLU (the same numbers as the official order).

Rows: one SGD training step at batch 128 (forward, backward, step), and one evaluation pass
over 3,500 images (the main job's per-epoch evaluation: 2,500 training and 1,000 test images)
in chunks of 1,024 rows (the CUDA default) and 256 (the CPU default). Random inputs
(1 x 28 x 28); CPU time per step / per pass, and each as a ratio to the official step.

    python benchmarks/bench_cnn.py [--repeats 5] [--steps 10]

Measured on this project's 2-core machine (2026-12-07, ``--repeats 3``): training step
official 103.7 ms, channels-last 67.0 ms (1.55x), ours 55.7 ms (1.86x); evaluation of 3,500
images official 2.35 s at 1,024 rows, ours 0.82 s at 256 rows; one epoch of the main job's run
4.42 s -> 1.94 s (2.28x). A whole 8-epoch run of the main job's sweep, the previous commit and
this code side by side: 25.4 s -> 14.6 s of CPU.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from alfs_theory.experiments.models import CNN


def _official(net, x):
    h = net.blocks(x)
    return net.fc2(net.fc1(h.reshape(h.shape[0], net.fc_size)))


def _setup(style: str):
    torch.manual_seed(0)
    net = CNN("mnist", 10)
    if style != "official":
        net = net.to(memory_format=torch.channels_last)
    fwd = (lambda x: _official(net, x)) if style != "ours" else net
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3)
    return net, fwd, opt


def _train_steps(style: str, steps: int) -> float:
    net, fwd, opt = _setup(style)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(128, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (128,), generator=g)
    if style != "official":
        x = x.contiguous(memory_format=torch.channels_last)
    net.train()
    for i in range(steps + 2):  # two warm-up steps
        if i == 2:
            t0 = time.process_time()
        loss = F.cross_entropy(fwd(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return (time.process_time() - t0) / steps


def _eval_pass(style: str, chunk: int) -> float:
    net, fwd, _ = _setup(style)
    x = torch.randn(3500, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    if style != "official":
        x = x.contiguous(memory_format=torch.channels_last)
    net.eval()
    with torch.no_grad():
        fwd(x[:chunk])  # warm-up
        t0 = time.process_time()
        for s in range(0, len(x), chunk):
            fwd(x[s:s + chunk]).argmax(1)
    return time.process_time() - t0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    styles = ("official", "channels-last", "ours")
    step = {s: float("inf") for s in styles}
    ev = {(s, c): float("inf") for s in styles for c in (1024, 256)}
    for r in range(a.repeats):
        for s in styles:
            step[s] = min(step[s], _train_steps(s, a.steps))
            for c in (1024, 256):
                ev[s, c] = min(ev[s, c], _eval_pass(s, c))
        print(f"repeat {r + 1}/{a.repeats} done", flush=True)
    print(f"\n{'style':<14} {'train step (ms)':>16} {'vs official':>12} "
          f"{'eval 3500 @1024 (s)':>20} {'eval 3500 @256 (s)':>19}")
    for s in styles:
        print(f"{s:<14} {1e3 * step[s]:>16.1f} {step['official'] / step[s]:>11.2f}x "
              f"{ev[s, 1024]:>20.3f} {ev[s, 256]:>19.3f}")
    epoch_old = 20 * step["official"] + ev["official", 1024]
    epoch_new = 20 * step["ours"] + ev["ours", 256]
    print(f"\none epoch of the main job's run (20 steps + the evaluation): official at 1,024 "
          f"rows {epoch_old:.2f} s, ours at 256 rows {epoch_new:.2f} s "
          f"({epoch_old / epoch_new:.2f}x)")


if __name__ == "__main__":
    main()
