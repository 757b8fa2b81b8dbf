"""Active + passive sums used in APL, ALFs and JAL: alpha * active + beta * passive."""

from __future__ import annotations

from ..spec import combine
from .asymmetric import AEL, AGCE, AMSE, ANL, AUL
from .catalog import declare
from .classic import MAE, RCE
from .normalized import NCE, NFL

MA20 = "Ma et al., 'Normalized loss functions for deep learning with noisy labels', ICML 2020"
ZHOU21 = "Zhou et al., 'Asymmetric loss functions for learning with noisy labels', ICML 2021"
WANG25 = "Wang et al., 'Joint asymmetric loss for learning with noisy labels', ICCV 2025"

# (name, active, passive, weight defaults, parameter defaults, reference, aliases)
_COMBOS = [
    ("nce+mae", NCE, MAE, {}, {}, MA20, ()),
    ("nce+rce", NCE, RCE, {}, {}, MA20, ()),
    ("nfl+mae", NFL, MAE, {}, {}, MA20, ()),
    ("nfl+rce", NFL, RCE, {}, {}, MA20, ()),
    ("nce+agce", NCE, AGCE, {}, {"a": 3.0, "q": 1.5}, ZHOU21, ()),
    ("nce+aul", NCE, AUL, {}, {"a": 6.0, "q": 1.5}, ZHOU21, ("nce+aue",)),
    ("nce+ael", NCE, AEL, {"beta": 4.0}, {"a": 2.5}, ZHOU21, ()),
    ("nfl+agce", NFL, AGCE, {}, {"a": 3.0, "q": 2.0}, ZHOU21, ()),
    ("nfl+aul", NFL, AUL, {}, {"a": 1.5, "q": 0.9}, ZHOU21, ("nfl+aue",)),
    ("nfl+ael", NFL, AEL, {}, {"a": 3.0}, ZHOU21, ()),
    ("anl+rce", ANL, RCE, {}, {"a": 2.0, "p": 0.7}, ZHOU21, ()),
    ("nce+anl", NCE, ANL, {}, {"a": 2.0, "p": 0.7}, ZHOU21, ()),
    ("nce+amse", NCE, AMSE, {}, {}, WANG25 + " (JAL-CE)", ("jal-ce", "jal_ce")),
    ("nfl+amse", NFL, AMSE, {}, {}, WANG25 + " (JAL-FL)", ("jal-fl", "jal_fl")),
]

COMBOS = {}
for _name, _act, _pas, _wd, _pd, _ref, _aliases in _COMBOS:
    COMBOS[_name] = declare(
        combine(_name, [("alpha", _act), ("beta", _pas)], weight_defaults=_wd,
                param_defaults=_pd, references=(_ref,)),
        aliases=_aliases,
    )
