"""Several CNNs trained as one: outputs, gradients and a clipped SGD step equal M separate runs."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from alfs_theory.errors import InputError
from alfs_theory.experiments.models import CNN
from alfs_theory.experiments.stacked import StackedCNN, clip_grad_norm_per_model, stacked_loss
from alfs_theory.nn.functional import get_twin


def _models(M, kind="mnist", K=10):
    out = []
    for m in range(M):
        torch.manual_seed(100 + m)
        out.append(CNN(kind, K).double())
    return out


@pytest.mark.parametrize("kind,shape", [("mnist", (1, 28, 28)), ("cifar10", (3, 32, 32))])
def test_stacked_forward_equals_separate_models(kind, shape):
    models = _models(3, kind)
    net = StackedCNN.from_models(models).double()
    x = torch.randn(5, *shape, dtype=torch.float64)
    for mode in ("train", "eval"):
        for m in models:
            getattr(m, mode)()
        getattr(net, mode)()
        out = net(x)
        assert out.shape == (3, 5, 10)
        for i, m in enumerate(models):
            torch.testing.assert_close(out[i], m(x), rtol=1e-10, atol=1e-12)


def test_one_clipped_sgd_step_equals_separate_runs():
    M = 3
    models = _models(M)
    net = StackedCNN.from_models(models).double()
    x = torch.randn(8, 1, 28, 28, dtype=torch.float64)
    y = torch.randint(0, 10, (M, 8))
    loss_fn = get_twin("agce")
    opts = [torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
            for m in models]
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    for _ in range(2):  # two steps: momentum buffers in play
        for i, (m, o) in enumerate(zip(models, opts)):
            o.zero_grad()
            loss_fn(m(x), y[i], a=1.0, q=2.0).mean().mul(40.0).backward()  # large: clipping bites
            torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
            o.step()
        opt.zero_grad()
        stacked_loss(loss_fn, net(x), y, a=1.0, q=2.0).mul(40.0).sum().backward()
        norms = clip_grad_norm_per_model(net, 5.0)
        assert (norms > 5.0).all()
        opt.step()
    for i, back in enumerate(net.unstack()):
        for (k, a), (_, b) in zip(models[i].state_dict().items(), back.state_dict().items()):
            torch.testing.assert_close(a.double(), b.double(), rtol=1e-9, atol=1e-11, msg=k)


def test_fresh_models_differ_and_bad_input_is_named():
    net = StackedCNN.fresh(2, kind="mnist", K=4, seed=0)
    w = net.fc2.weight
    assert not torch.equal(w[0], w[1])
    with pytest.raises(InputError, match="expects input"):
        net(torch.zeros(2, 3, 28, 28))
    with pytest.raises(InputError, match="shape"):
        stacked_loss(get_twin("ce"), net(torch.zeros(2, 1, 28, 28)), torch.zeros(3, 2).long())
    with pytest.raises(InputError, match="M >= 1"):
        StackedCNN.fresh(0)
