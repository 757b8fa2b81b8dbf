"""The checks wing: everything that turns a loss into verdicts with evidence.

- :mod:`.checker` -- ``check_loss``/``admit`` (the spec gate every consumer passes), reports;
- :mod:`.engine` -- the rule engine: facts, named rules, the one gate every verdict leaves
  through (``decide``);
- :mod:`.properties` -- the provers of each question (asymmetry, calibration, ratio, shape,
  symmetric, tolerance, region, domain) the rules call;
- :mod:`.provers` -- sign, interval, infimum and piecewise machinery;
- :mod:`.falsify` -- the independent falsifier the gate runs on every PROVED;
- :mod:`.conditions` -- parameter regions in closed form;
- :mod:`.verdict` -- PROVED / REFUTED / UNDECIDED with evidence;
- :mod:`.prediction` -- the prediction a training run records;
- :mod:`.blackbox` -- numeric checks of a torch loss without a formula (never PROVED).
"""
