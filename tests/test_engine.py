"""The rule engine and its one gate (issue #23): every verdict, every typed loss and every
budget pass through one place.

* the rule table in docs/theory.md is generated from the rules (checked current);
* a scan of the package: nothing but the engine's gate seals a verdict, nothing but the gate
  calls the falsifier, and no entry point calls a prover (a property function) directly;
* reports refuse a PROVED that did not pass the gate;
* jumps: the ratio of a discontinuous l comes from the definition (r = 0 for a downward jump,
  -oo for an upward one), checked against the brute force of tests/brute.py;
* the spec gate: poles inside (0, 1] refused, extreme parameters decided, typed losses refused
  before training;
* budgets in CPU time: the same verdicts beside busy processes; a spent budget is UNDECIDED
  "timed out", never an internal error.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from brute import brute_ratio

from alfs_theory.checks.checker import CheckReport, check_loss
from alfs_theory.checks.engine import decide, rule_table
from alfs_theory.checks.verdict import Certificate, CheckResult, Verdict
from alfs_theory.errors import DomainError
from alfs_theory.registry import get_loss
from alfs_theory.userloss import loss_from_expression

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "alfs_theory"

#: the provers of each question: only the engine (its rules) and the properties themselves call
#: them; everything else asks ``engine.decide`` or ``check_loss``
PROVERS = {"closed_form_finding", "bisection_finding", "check_asymmetric_on_weights", "check_calibration",
           "check_decreasing", "check_excess_risk_bound", "check_instance_dependent",
           "check_shape", "check_transition_matrix",
           "symmetric_noise_threshold", "weight_region"}


def _user(expr: str, **params):
    return loss_from_expression(expr, params=params).bind(**params)


def _sources():
    for top in ("alfs_theory", "proofs_check", "figures"):
        for p in (ROOT / top).rglob("*.py"):
            yield p, ast.parse(p.read_text(encoding="utf-8"))


def _called_name(node: ast.Call) -> str | None:
    f = node.func
    return f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else None)


def test_rule_table_in_the_docs_is_current():
    text = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rule-table -->\n(.*?)\n<!-- /rule-table -->", text, re.S).group(1)
    assert block == rule_table(), "regenerate the table: alfs_theory.checks.engine.rule_table()"
    for name in ("ratio-downward-jump", "ratio-upward-jump", "ratio-closed-form",
                 "ratio-interval-bisection"):
        assert f"`{name}`" in block


def test_nothing_but_the_gate_makes_a_verdict():
    sealed, provers, falsifier = [], [], []
    for path, tree in _sources():
        rel = path.relative_to(ROOT).as_posix()
        in_engine = rel.startswith("alfs_theory/checks/engine/")
        in_props = rel.startswith("alfs_theory/checks/properties/")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                if any(k.arg == "gate" for k in node.keywords) and not in_engine:
                    sealed.append(f"{rel}:{node.lineno}")
                if _called_name(node) in PROVERS and not (in_engine or in_props):
                    provers.append(f"{rel}:{node.lineno} {_called_name(node)}")
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.endswith("falsify") and \
                    any(a.name == "falsify" for a in node.names) and \
                    rel != "alfs_theory/checks/engine/gate.py":
                falsifier.append(f"{rel}:{node.lineno}")
    assert not sealed, f"a verdict sealed outside the engine's gate: {sealed}"
    assert not provers, f"a prover called outside the engine (use engine.decide): {provers}"
    assert not falsifier, f"the falsifier called outside the gate: {falsifier}"


def test_the_scan_can_fail(tmp_path):
    """The scanner sees a prover call and a seal (so the test above can fail)."""
    tree = ast.parse("from x import check_shape\nr = check_shape(s)\n"
                     "y = replace(r, gate='ok')\n")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert any(_called_name(c) in PROVERS for c in calls)
    assert any(any(k.arg == "gate" for k in c.keywords) for c in calls)


def test_reports_refuse_a_verdict_that_skipped_the_gate():
    forged = CheckResult("decreasing", Verdict.PROVED, "forged",
                         certificate=Certificate("none", "made up"))
    rep = CheckReport("x", {}, "pointwise", "l", 2, results=[forged])
    with pytest.raises(RuntimeError, match="outside the engine's gate"):
        rep.to_text()
    with pytest.raises(RuntimeError, match="outside the engine's gate"):
        rep.to_dict()


def test_every_result_of_check_loss_is_sealed_and_names_its_rule():
    rep = check_loss(_user("exp(-u/3)"), n_classes=3, noise="pairflip:0.3",
                     weights=[0.5, 0.3, 0.2])
    assert rep.results and all(r.sealed for r in rep.results)
    assert all(r.gate.startswith("rule ") for r in rep.results if r.verdict is Verdict.PROVED)
    assert rep.result("ratio").gate == ("rule ratio-closed-form; falsifier: no "
                                        "counterexample")


# ---------------------------------------------------------------------------------- jumps
def _ell_np(spec):
    def f(x):
        x = np.asarray(x, dtype=float)
        return spec.numeric_losses(np.stack([x, 1 - x], axis=-1))[..., 0]
    return f


def test_a_downward_jump_gives_r_zero_not_the_slope_quotient():
    spec = _user("piecewise(1 - u, u < 0.5, 0.4 - 0.4*u)").at_classes(2)
    r = decide("ratio", spec, 2)
    assert r.verdict is Verdict.PROVED and r.value == 0, r.summary
    assert r.certificate.method == "jump" and "ratio-downward-jump" in r.gate
    b = brute_ratio(_ell_np(spec))
    assert -1e-12 <= b < 0.01  # the brute force approaches 0 from above, far below 0.4
    rep = check_loss(spec, n_classes=3)
    assert not rep.internal_errors, [r.summary for r in rep.internal_errors]
    th = rep.result("threshold")
    assert "ratio test" not in th.summary or th.verdict is not Verdict.UNDECIDED or \
        th.value.get("lo") in (0, 0.0, None), th.summary


def test_an_upward_jump_gives_r_minus_infinity():
    spec = _user("piecewise(1 - u, u < 0.5, 0.8 - 0.4*u)").at_classes(2)
    r = decide("ratio", spec, 2)
    assert r.verdict is Verdict.PROVED and r.value == -float("inf") or str(r.value) == "-oo"
    assert brute_ratio(_ell_np(spec)) < -100  # quotients without a lower bound


@pytest.mark.parametrize("seed", range(24))
def test_random_jump_losses_agree_with_brute_force(seed):
    """Piecewise-linear losses with jumps (monotone and not): a PROVED ratio is never above
    the least sampled secant quotient of the definition."""
    from brute import _pwl

    rng = np.random.default_rng(1000 + seed)
    expr = _pwl(rng, bool(seed % 2), False)
    try:
        spec = _user(expr).at_classes(2)
    except DomainError:
        return
    r = decide("ratio", spec, 2)
    assert r.internal_error is None, (expr, r.summary)
    if r.verdict is Verdict.PROVED and np.isfinite(float(r.value)):
        lo = float(r.value)
        b = brute_ratio(_ell_np(spec))
        assert b >= lo - 1e-6 * max(1.0, abs(lo)), (expr, lo, b)
    elif r.verdict is Verdict.PROVED:  # -oo: the certificate's sequence, at 80 digits
        assert _quotient_at_jump(spec, r.certificate.data) < -1e20, (expr, r.certificate.data)


def _quotient_at_jump(spec, data, h="1e-40"):
    """The secant quotient of Definition 3 along the upward-jump certificate's sequence:
    u_i straddling the jump, u_j = the certificate's point, d = h (sampling cannot see a jump
    of 1e-6 that decimals rounded into a typed piecewise loss; this can)."""
    import mpmath
    import sympy as sp

    c, t = sp.Rational(data["jump_at"]), sp.Rational(data["u_j"])
    with mpmath.workdps(80):
        c, t, d = mpmath.mpf(c.p) / c.q, mpmath.mpf(t.p) / t.q, mpmath.mpf(h)

        def ell(x):
            return spec.mp_losses([x, 1 - x], dps=80)[0]

        den = ell(t - d) - ell(t)
        assert den > 0 and c + t <= 1
        return min(ell(c - d) - ell(c), ell(c) - ell(c + d)) / den


def test_alfs_ratio_goes_through_the_engine(capsys):
    from alfs_theory.cli import main

    assert main(["ratio", "--expr", "piecewise(1 - u, u < 0.5, 0.4 - 0.4*u)"]) == 0
    out = capsys.readouterr().out
    assert "r(l) = 0 (a downward jump)" in out and "gate: rule ratio-downward-jump" in out


# ---------------------------------------------------------------------------- spec gate
@pytest.mark.parametrize("expr,at", [("tan(pi*u)", "1/2"), ("tan(pi*u/2)", "1"),
                                     ("1/sin(2*pi*u)", "1/2")])
def test_poles_inside_the_unit_interval_are_refused(expr, at):
    with pytest.raises(DomainError, match=f"pole at u = {re.escape(at)}"):
        check_loss(_user(expr), n_classes=3, checks=["decreasing"])


@pytest.mark.parametrize("a", ["1e-100", "1e300"])
def test_extreme_but_legal_parameters_are_decided(a):
    rep = check_loss(_user("a*(1-u)", a=float(a)), n_classes=3)
    assert not rep.internal_errors, [r.summary for r in rep.internal_errors]
    assert rep.result("region").verdict is Verdict.PROVED


def test_train_refuses_a_loss_off_the_simplex_before_loading_data(tmp_path, monkeypatch,
                                                                  capsys):
    import alfs_theory.experiments.data as data
    from alfs_theory.cli import main

    def no_data(*a, **k):
        raise AssertionError("data loaded before the spec gate")

    monkeypatch.setattr(data, "load_dataset", no_data)
    rc = main(["train", "--expr", "log(u-2)", "--epochs", "1", "--threads", "1",
               "--out", str(tmp_path / "run")])
    assert rc == 2
    assert "is not real" in capsys.readouterr().err


# ------------------------------------------------------------------------------- budgets
def test_a_spent_budget_is_timed_out_never_an_internal_error():
    rep = check_loss(_user("1 - u + 0.1*exp(-((u - 0.4)/0.05)**2)"), n_classes=3,
                     noise="pairflip:0.3", timeout=0.4)
    assert not rep.internal_errors
    assert any("timed out" in r.summary for r in rep.results)
    assert all(r.sealed for r in rep.results)


def test_same_verdicts_on_an_idle_and_a_loaded_machine():
    """The budget counts CPU time: two busy processes beside the check leave its verdicts
    as they were (a wall-clock budget of the same size ran out under load)."""
    spec = _user("max(2 - 3*u, 1 - u)")

    def verdicts():
        rep = check_loss(spec, n_classes=3, noise="pairflip:0.3", timeout=30)
        return [(r.check, r.verdict.value) for r in rep.results]

    idle = verdicts()
    burn = "import time\nt = time.time()\nwhile time.time() - t < 120: pass\n"
    hogs = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(3)]
    try:
        loaded = verdicts()
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert loaded == idle


def test_the_gate_re_verifies_refutations():
    """A REFUTED whose witness does not hold becomes an internal error, never a verdict."""
    from alfs_theory.checks.engine import gate
    from alfs_theory.checks.verdict import Counterexample

    mae = _user("1 - u").at_classes(3)
    bad_dec = CheckResult("decreasing", Verdict.REFUTED, "forged",
                          counterexample=Counterexample({"u0": 0.2, "u1": 0.3}, "forged"))
    out = gate(bad_dec, mae, 3)
    assert out.verdict is Verdict.UNDECIDED and "does not re-verify" in out.internal_error
    bad_sym = CheckResult("symmetric", Verdict.REFUTED, "forged", counterexample=Counterexample(
        {"u_a": [0.2, 0.3, 0.5], "u_b": [0.6, 0.2, 0.2]}, "forged"))
    assert gate(bad_sym, mae, 3).internal_error is not None  # MAE's sum is 2 everywhere
    bad_w = CheckResult("asymmetric-on", Verdict.REFUTED, "forged",
                        counterexample=Counterexample({"u0": 0.5, "u1": 0.3, "u2": 0.2}, "x"),
                        value={"weights": [0.5, 0.3, 0.2], "t": 0})
    assert gate(bad_w, mae, 3).internal_error is not None  # e_t is MAE's unique minimiser
    ok = CheckResult("decreasing", Verdict.REFUTED, "l increases",
                     counterexample=Counterexample({"u0": 0.2, "u1": 0.3}, "real"))
    out = gate(ok, _user("u").at_classes(3), 3)
    assert out.verdict is Verdict.REFUTED and out.gate.endswith("re-verified by the gate at "
                                                                "50 digits")


def test_json_reports_are_strict_json_with_infinite_values():
    import json

    rep = check_loss(_user("piecewise(1 - u, u < 0.5, 0.8 - 0.4*u)"), n_classes=3,
                     checks=["ratio", "asymmetric"])

    def no_constants(c):
        raise ValueError(f"not JSON: {c}")

    d = json.loads(rep.to_json(), parse_constant=no_constants)
    assert d["checks"][0]["value"] == "-oo"


# ------------------------------------------------ min/max whose crossing has no closed form
def test_a_min_that_never_switches_is_decided_as_its_argument():
    """min(exp(-1.5*u), 1 - 0.7*u): the two touch only at u = 0 (no closed-form crossing);
    a certified sign proof drops the line, and every check sees the smooth exp(-1.5*u)."""
    import math

    rep = check_loss(_user("min(exp(-1.5*u), 1 - 0.7*u)"), n_classes=3)
    assert "equal on [0, 1] to exp(-3*u/2)" in rep.formula
    r = rep.result("ratio")
    assert r.verdict is Verdict.PROVED and abs(float(r.value) - math.exp(-1.5)) < 1e-12
    assert rep.result("decreasing").verdict is Verdict.PROVED
    th = rep.result("threshold")
    rr = math.exp(-1.5)
    assert th.verdict is Verdict.PROVED
    assert abs(th.value["eta_max"] - 2 * rr / (1 + 2 * rr)) < 1e-9
    assert not rep.internal_errors


def test_pruning_keeps_arguments_that_matter():
    import sympy as sp

    from alfs_theory.checks.provers.pieces import prune_minmax
    from alfs_theory.symbols import U

    crossing = sp.Max(2 - 3 * U, 1 - U)  # they cross at 1/2: both stay
    assert prune_minmax(crossing, U, 0, 1) == crossing
    touching = sp.Min(sp.exp(-U), 1 - U / 2)  # exp(-u) <= 1 - u/2 on [0, 1]
    assert prune_minmax(touching, U, 0, 1) == sp.exp(-U)


def test_end_slopes_of_a_kink_at_the_end_are_one_sided():
    """sympy's derivative of min at a tie is the Heaviside average of the slopes; the
    closed-form ratio must use the slope l has next to the end."""
    import sympy as sp

    from alfs_theory.checks.properties.shape import end_slope
    from alfs_theory.symbols import U

    f = sp.Min(1 - 2 * U, 1 - U / 2)  # tie at 0: slope -2 from the right
    assert end_slope(f, 0) == -2 and end_slope(f, 1) == -2


def test_the_weight_rules_are_the_ladders_steps_in_its_order():
    """One source of order: the engine's weights rules are properties.asymmetry.WEIGHT_RULES,
    each registered with its facts, so the engine and the provers that ask many weight vectors
    (thresholds, noise rows) run the same sequence."""
    from alfs_theory.checks.engine import rules_for
    from alfs_theory.checks.engine.rules import WEIGHT_RULE_TABLE
    from alfs_theory.checks.properties.asymmetry import WEIGHT_RULES

    assert [row[0] for row in WEIGHT_RULE_TABLE] == [f.__name__ for f in WEIGHT_RULES]
    assert [r.name for r in rules_for("weights")] == [row[1] for row in WEIGHT_RULE_TABLE]
    assert rules_for("asymmetric") == rules_for("weights")
    rep = check_loss(_user("exp(-u/3)"), n_classes=3, weights=[0.5, 0.3, 0.2])
    assert rep.result("asymmetric-on").gate.startswith("rule weights-kkt;")
    rep = check_loss(_user("((1+1)**2 - (1+u)**2)/2"), n_classes=3, weights=[0.4, 0.35, 0.25])
    assert rep.result("asymmetric-on").gate.startswith("rule weights-vertex;")


def test_the_threshold_rules_are_the_provers_sequence():
    """The threshold's rules and the sequence its provers run for a part's threshold (sums)
    are one list; each rule names itself in the gate."""
    from alfs_theory.checks.engine import rules_for
    from alfs_theory.checks.engine.rules import THRESHOLD_RULE_TABLE
    from alfs_theory.checks.properties.tolerance import THRESHOLD_RULES

    assert [row[0] for row in THRESHOLD_RULE_TABLE] == [f.__name__ for f in THRESHOLD_RULES]
    assert [r.name for r in rules_for("threshold")] == [row[1] for row in THRESHOLD_RULE_TABLE]
    assert decide("threshold", _user("exp(-u/3)"), 3).gate.startswith("rule threshold-kkt;")
    assert decide("threshold", _user("1 - u"), 3).gate.startswith("rule threshold-complete;")
    assert decide("threshold", _user("-log(u)"), 3).gate.startswith(
        "rule threshold-infinite-loss;")


def test_the_region_rules_are_the_provers_sequence():
    """The region of weights is five rules, in the order of properties.region.REGION_RULES
    (the order weight_region and the region of a sum's rest use); each names itself."""
    from alfs_theory.checks.engine import rules_for
    from alfs_theory.checks.engine.rules import REGION_RULE_TABLE
    from alfs_theory.checks.properties.region import REGION_RULES

    assert [row[0] for row in REGION_RULE_TABLE] == [f.__name__ for f in REGION_RULES]
    assert [r.name for r in rules_for("region")] == [row[1] for row in REGION_RULE_TABLE]
    assert decide("region", _user("1 - u"), 3).gate.startswith("rule region-complete;")
    kkt = decide("region", _user("exp(-u/3)"), 3)
    assert kkt.gate.startswith("rule region-kkt;") and kkt.value["kind"] == "inequality"
    assert decide("region", get_loss("nce+mae").bind(alpha=1, beta=1), 3).gate.startswith(
        "rule region-normalised-plus-region;")
    nce = decide("region", get_loss("nce").bind(), 3)
    assert nce.gate.startswith("rule region-normalised-sequence;") and \
        nce.value["kind"] == "none"
    # a sine bump whose l(0) - l is superadditive: every w (complete asymmetry)
    sup = decide("region", _user("1 - u + 0.05*sin(6*u)"), 3)
    assert sup.gate.startswith("rule region-complete;") and \
        sup.certificate.method == "superadditive"
    # a smooth loss neither convex nor concave, nor with a superadditive l(0) - l (its
    # F(1/2, 1/2) < 0): no rule gives the region, and it says which fact each rule lacked
    bump = decide("region", _user("1 - u + 0.05*sin(8*u)"), 3)
    assert bump.verdict is Verdict.UNDECIDED and "region-kkt needs separable-convex" in \
        bump.summary


def test_the_excess_risk_rules_are_the_provers_sequence():
    from alfs_theory.checks.engine import rules_for
    from alfs_theory.checks.engine.rules import EXCESS_RISK_RULE_TABLE
    from alfs_theory.checks.properties.calibration import EXCESS_RISK_RULES

    assert [row[0] for row in EXCESS_RISK_RULE_TABLE] == [f.__name__ for f in EXCESS_RISK_RULES]
    assert [r.name for r in rules_for("excess-risk")] == [row[1] for row in
                                                          EXCESS_RISK_RULE_TABLE]
    assert decide("excess-risk", _user("-2*log(u)"), 3).gate.startswith(
        "rule excess-risk-pinsker;")
    assert decide("excess-risk", _user("1 - u**2"), 3).gate.startswith("rule excess-risk-chord;")


def test_the_calibration_rules_are_the_ladders_steps_in_its_order():
    from alfs_theory.checks.engine import rules_for
    from alfs_theory.checks.engine.rules import CALIBRATION_RULE_TABLE
    from alfs_theory.checks.properties.calibration import CALIBRATION_RULES

    assert [row[0] for row in CALIBRATION_RULE_TABLE] == [f.__name__ for f in CALIBRATION_RULES]
    assert [r.name for r in rules_for("calibrated")] == [row[1] for row in
                                                         CALIBRATION_RULE_TABLE]
    rep = check_loss(_user("exp(-u/3)"), n_classes=3, checks=["calibrated"])
    assert rep.result("calibrated").gate.startswith("rule calibration-swap;") or \
        rep.result("calibrated").gate.startswith("rule calibration-kkt-order;")


def test_the_min_max_rewrite_never_spends_the_whole_budget(monkeypatch):
    """The spec gate's min/max rewrite is a helper: however slow its proofs, it gets a
    quarter of what is left and the loss is then checked as typed, never an error."""
    import time

    import alfs_theory.checks.provers.pieces as pieces

    def slow(*a, **k):
        t = time.process_time()
        while time.process_time() - t < 60:
            pass

    monkeypatch.setattr(pieces, "prune_minmax", slow)
    rep = check_loss(_user("max(2 - 3*u, 1 - u)"), n_classes=3, checks=["decreasing"],
                     timeout=20.0)
    assert [r.check for r in rep.results] == ["decreasing"]
    assert rep.result("decreasing").verdict is Verdict.PROVED
    assert "equal on [0, 1]" not in rep.formula


def test_a_rules_facts_are_established_in_order_and_no_further():
    """A later fact may presume an earlier one ("decreasing" is a question about a pointwise
    l): a vector loss asked on weights must reach the vector rules, not crash in a pointwise
    fact of a pointwise rule (softbootstrap gave 'check could not run: SpecError')."""
    from alfs_theory.registry import get_loss

    spec = get_loss("softbootstrap").bind()
    w = [0.145] + [0.095] * 9
    res = decide("weights", spec, 10, weights=w)
    assert "could not run" not in res.summary, res.summary
    assert res.verdict is Verdict.REFUTED


def test_threshold_bracket_does_not_depend_on_the_machines_speed(monkeypatch):
    """The threshold's bisection makes a number of halvings fixed by K: a machine where every
    probe costs 2.5 s of CPU gets the very bracket of a fast one (a 6 s CPU cap once stopped
    ce+sr's bisection at K = 10,000 after 4 or 5 probes, depending on the machine); only a
    pathological cost reaches the safety net, and the summary then says so."""
    from alfs_theory.checks.properties import tolerance
    from alfs_theory.registry import get_loss

    spec = get_loss("ce+sr").bind()

    def bracket():
        r = tolerance.threshold_bounds(spec, 4, None, True)
        return r.value["lo"], r.value["hi"], r.summary

    fast = bracket()
    assert fast[1] is not None and "safety net" not in fast[2]
    real = tolerance.clock
    for per_call, capped in ((2.5, False), (45.0, True)):
        calls = [0]

        def slow_clock(per_call=per_call):
            calls[0] += 1
            return real() + per_call * calls[0]

        monkeypatch.setattr(tolerance, "clock", slow_clock)
        got = bracket()
        if capped:
            assert "safety net" in got[2] and "depends on the machine" in got[2]
        else:
            assert got == fast
    assert tolerance._halvings(1000) == 10 and tolerance._halvings(10000) == 4


@pytest.mark.parametrize("n", [10, 1000])
def test_an_infinite_vertex_loss_tolerates_no_noise_at_every_k(n):
    """CE + sparse regularisation has L(e_y, k) = +oo for k != y at every K, so no eta > 0 is
    tolerated. At K = 1000 the regulariser's K - 1 terms lam u_k^0.1 (999 x 1e-10^0.1 = 100 at
    eps = 1e-10) hid the log's growth on the first sequence of eps, and the check fell through
    to a bisection: UNDECIDED, refuted at eta = 0.000122, 2.7 s. The deeper sequence shows it."""
    from alfs_theory.checks.properties import tolerance
    from alfs_theory.registry import get_loss

    r = tolerance.threshold_infinite_at_vertex(get_loss("ce+sr").bind(), n, None, False)
    assert r is not None and r.verdict is Verdict.PROVED
    assert r.value["eta_max"] == 0.0 and r.value["inclusive"]
    # a vector loss with finite values at the vertex (ANL-CE) gets no such verdict
    anl = get_loss("anl").bind()
    assert not anl.is_pointwise
    assert tolerance.threshold_infinite_at_vertex(anl, n, None, False) is None
