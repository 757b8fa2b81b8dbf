"""Safe parsing of user-typed math into sympy: a whitelisted grammar, never ``eval``.

The text is read by a hand-written tokenizer and a precedence-climbing (Pratt) parser
that builds sympy objects directly. No Python, ``ast`` or sympy parser ever sees the text,
so nothing typed by a user can run code, reach attributes or import modules.

Grammar
-------
Whitespace is ignored. From loosest to tightest binding::

    condition  := condition 'or' condition            (left-associative)
                | condition 'and' condition           (left-associative)
                | 'not' condition
                | expr (cmp expr)+                    (chains: 0 < p <= 1 is 0 < p and p <= 1)
    cmp        := '<' | '<=' | '>' | '>=' | '=='
    expr       := expr ('+' | '-') expr               (left-associative)
                | expr ('*' | '/') expr               (left-associative)
                | ('+' | '-') expr                    (unary; binds looser than power)
                | atom ('**' | '^') expr              (right-associative; the exponent may
                                                       carry a sign: 2**-1, -u**2 = -(u**2))
                | atom
    atom       := NUMBER | NAME | FUNCTION '(' args ')' | '(' expr ')'
                | '(' condition ')'                   (where a condition may stand)

``NUMBER``
    ``12``, ``0.5``, ``.5``, ``1e-4``, ``2.5E3``. Integers become ``sp.Integer``; decimals
    and scientific notation become the exact ``sp.Rational`` of the decimal string
    (``0.1`` is 1/10). At most 100 characters, magnitude between 1e-300 and 1e300.
``NAME``
    A key of the caller's ``symbols`` mapping, or the constants ``pi`` and ``e``/``E``
    (Euler's number) unless the caller's mapping shadows them. ``and``, ``or`` and ``not``
    are reserved.
``FUNCTION``
    ``exp(x)``, ``log(x)`` (natural), ``log(x, base)``, ``sqrt(x)``, ``abs(x)``,
    ``min(x, y, ...)`` and ``max(x, y, ...)`` (two or more arguments),
    ``piecewise(value1, cond1, value2, cond2, ..., otherwise)``, and the elementary functions
    ``sin cos tan tanh sinh cosh atan asinh erf sign`` (sympy's own) and ``erfc(x)`` =
    1 − erf(x), ``log1p(x)`` = log(1 + x), ``expm1(x)`` = exp(x) − 1, ``sigmoid(x)`` =
    1/(1 + exp(−x)), ``softplus(x)`` = log(1 + exp(x)), written with those so that every
    prover (interval arithmetic, sign rules, limits, exact pieces for ``sign``) reads them.

Conditions (comparisons, ``and``, ``or``, ``not``) are allowed only as the conditions of a
``piecewise`` and in :func:`parse_condition`; parentheses may group them. Inside a
``piecewise`` sympy evaluates them as usual; :func:`parse_condition` returns them as
written (unevaluated).

Everything else is refused with :class:`~alfs_theory.errors.ExpressionError`, whose
message names the offending text, its column (1-based) and what is allowed: unknown names,
attribute access, subscripts, strings, keywords (``lambda``, ``for``, ``if``, ...), ``;``,
``=``, ``@``, backslashes, any other character, empty or over-long text, unbalanced
parentheses, wrong arity, calls of anything that is not an allowed function, nesting deeper
than ``max_depth`` and numeric blow-ups. Nesting counts parentheses, calls, signs and
exponents; the parentheses are also counted up front, so a million of them fail at once.

A run of one operator (``a + b - c ...``, ``a * b / c ...``, ``c1 and c2 ...``, ``c1 or c2
...``) gives the same expression as applying the operators one at a time from the left, but
is built in time linear in its length, so a long text (a caller's larger ``max_length``)
costs time in proportion to its length.

Numeric safety
--------------
Before a power or ``exp`` whose operands are all numbers is built, the size of its value
is estimated from logarithms (with mpmath, so the estimate never overflows): a value
beyond 1e300 in magnitude, an exponent beyond 1e6 in absolute value (for any base), or an
exact rational with more than 320 digits is refused, so ``10**10**10``, ``9**9**9**9``,
``2**100000`` and ``exp(1e6)`` fail at once instead of being computed. Exact rationals
produced by arithmetic are held to the same 320 digits, and so is sympy's rewriting of
``exp(c*log(r))`` as ``r**c``. Within these bounds powers are built evaluated.

Examples
--------
>>> import sympy as sp
>>> u, a = sp.Symbol("u"), sp.Symbol("a", positive=True)
>>> parse_expression("((a+1)**2 - (a+u)^2)/2", {"u": u, "a": a}) == ((a+1)**2 - (a+u)**2)/2
True
>>> sorted(str(r) for r in parse_condition("0 < a <= 1", {"a": a}).args)
['0 < a', 'a <= 1']
"""

from __future__ import annotations

import keyword
import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

import mpmath
import sympy as sp
from sympy.logic.boolalg import Boolean

from .errors import ExpressionError

__all__ = ["ALLOWED_FUNCTIONS", "ClassSums", "parse_condition", "parse_expression"]

ALLOWED_FUNCTIONS: tuple[str, ...] = (
    "exp", "log", "sqrt", "abs", "min", "max", "piecewise",
    "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan", "asinh", "erf", "erfc", "log1p",
    "expm1", "sigmoid", "softplus", "sign")
_MAX_MINMAX_ARGS = 16
# the elementary functions sympy has as classes, built as they are
_PLAIN = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh, "atan": sp.atan,
          "asinh": sp.asinh, "erf": sp.erf, "sign": sp.sign}
"""Names a user may call; see the module docstring for their arities."""

_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E, "E": sp.E}
_RESERVED = frozenset({"and", "or", "not"})

_MAX_LITERAL = 100  # characters in one numeric literal
_MAX_LOG10 = 300.0  # refuse numeric values beyond 1e300 in magnitude
_MAX_EXPONENT_LOG10 = 6.0  # refuse exponents beyond 1e6 in absolute value
_MAX_DIGITS = 320  # refuse exact rationals whose numerator or denominator has more digits
_MAX_BITS = math.ceil(_MAX_DIGITS * math.log2(10))
_DEPTH_CAP = 150  # largest max_depth a caller may ask for; keeps far from RecursionError

# binding powers of the infix operators (higher binds tighter)
_INFIX = {"or": 1, "and": 2, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4,
          "+": 5, "-": 5, "*": 6, "/": 6, "**": 8, "^": 8}
_NOT_BP = 3  # operand of 'not': stops at 'and'/'or', takes comparisons
_CMP_BP = 4
_UNARY_BP = 7  # operand of unary +/-, and an exponent: takes '**', stops at '*'
_PRODUCT_OPS = {"*": operator.mul, "/": operator.truediv}  # a step of a product taken as written
_RELATIONS = {"<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan,
              ">=": sp.GreaterThan, "==": sp.Eq}

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS2 = ("**", "<=", ">=", "==")
_OPS1 = frozenset("+-*/^(),<>")
_BAD_CHARS = {
    "[": "subscripts and lists ('[') are not allowed",
    "]": "subscripts and lists (']') are not allowed",
    "{": "sets and dicts ('{') are not allowed",
    "}": "sets and dicts ('}') are not allowed",
    "'": "strings (quote \"'\") are not allowed",
    '"': "strings (quote '\"') are not allowed",
    ";": "statement separator ';' is not allowed",
    "=": "assignment ('=') is not allowed; compare with '==' inside piecewise conditions",
    "@": "operator '@' is not allowed",
    "\\": "backslash ('\\\\') is not allowed",
    ":": "':' is not allowed (no lambdas, slices or annotations)",
    "#": "comments ('#') are not allowed",
    "%": "operator '%' is not allowed",
    "!": "'!' is not allowed; use 'not' inside piecewise conditions",
    "&": "operator '&' is not allowed; use 'and' inside piecewise conditions",
    "|": "operator '|' is not allowed; use 'or' inside piecewise conditions",
    "~": "operator '~' is not allowed; use 'not' inside piecewise conditions",
    "`": "backquote ('`') is not allowed",
}


@dataclass(frozen=True)
class _Token:
    """One token: kind is 'num', 'name', 'op', 'bad' or 'end'; start/end index the text."""

    kind: str
    text: str
    start: int
    end: int
    reason: str = ""  # why a 'bad' token is refused


# ------------------------------------------------------------------------------ lexing
def _lex_one(text: str, pos: int, prev: _Token | None) -> _Token:
    """The token starting at or after ``pos`` (whitespace skipped); never raises."""
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos >= n:
        return _Token("end", "", n, n)
    ch = text[pos]
    after_operand = prev is not None and (prev.kind == "name" or prev.text == ")")
    if ch == "." and after_operand:
        return _Token("bad", ".", pos, pos + 1, "attribute access ('.') is not allowed")
    m = _NUMBER.match(text, pos)
    if m:
        return _Token("num", m.group(), pos, m.end())
    m = _NAME.match(text, pos)
    if m:
        return _Token("name", m.group(), pos, m.end())
    if text.startswith(_OPS2, pos):
        return _Token("op", text[pos:pos + 2], pos, pos + 2)
    if ch in _OPS1:
        return _Token("op", ch, pos, pos + 1)
    if ch == ".":
        reason = "'.' is not allowed here (write decimals as 0.5)"
    elif ch in _BAD_CHARS:
        reason = _BAD_CHARS[ch]
    elif ch.isascii():
        reason = f"character {ch!r} is not allowed"
    else:
        reason = f"character {ch!r} (U+{ord(ch):04X}) is not allowed"
    return _Token("bad", ch, pos, pos + 1, reason)


# ------------------------------------------------------------------------- messages
@dataclass
class ClassSums:
    """Opt-in ``sum(g(v))`` for :func:`parse_expression`: Σ_k g(u_k) over the K classes.

    ``variable`` is the name of the class variable usable only inside ``sum(...)`` (bound to
    ``symbol``); names in ``outside_only`` (the labelled class, ``u``) are refused inside it.
    After parsing, ``terms`` holds (S_j, g_j) for each distinct sum, S_j the symbol standing
    for it in the returned expression."""

    symbol: sp.Symbol
    variable: str = "v"
    outside_only: tuple[str, ...] = ("u", "p")
    max_sums: int = 4
    terms: list = None

    def __post_init__(self) -> None:
        if self.terms is None:
            self.terms = []


def _quote(text: str, limit: int = 60) -> str:
    """``repr`` of ``text``, shortened to about ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _allowed(symbols: Mapping[str, sp.Basic], condition: bool,
             class_sums: ClassSums | None = None) -> str:
    names = [n for n in symbols if n not in _RESERVED]
    consts = [c for c in _CONSTANTS if c not in symbols]
    parts = ["numbers", "names " + (", ".join(names) if names else "(none)")]
    if consts:
        parts.append("constants " + ", ".join(consts))
    parts += ["operators + - * / ** ^ and parentheses",
              "functions " + ", ".join(ALLOWED_FUNCTIONS)]
    if class_sums is not None:
        parts.append(f"sum(g) over the classes, with {class_sums.variable!r} = u_k inside")
    if condition:
        parts.append("comparisons < <= > >= == combined with and/or/not")
    else:
        parts.append("comparisons < <= > >= == and the words and, or, not only inside "
                     "piecewise conditions")
    return ", ".join(parts)


def _error(text: str, column: int, reason: str, allowed: str) -> ExpressionError:
    return ExpressionError(f"cannot parse {_quote(text)} at column {column}: {reason}; "
                           f"allowed: {allowed}")


# ------------------------------------------------------------------- numeric guards
def _to_mp(x: sp.Expr) -> mpmath.mpc:
    """A numeric sympy expression as an mpmath complex (no float overflow)."""
    return mpmath.mpc(sp.N(x, 30)._to_mpmath(120))


def _log10_abs(x: sp.Expr) -> float:
    """log10 of |x| for a numeric x; -inf for zero, inf when it cannot be estimated."""
    if x.is_Rational:
        if x.p == 0:
            return -math.inf
        return math.log10(abs(x.p)) - math.log10(x.q)  # exact for huge ints too
    try:
        v = _to_mp(x)
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return math.inf
    if not mpmath.isfinite(v):
        return math.inf
    if v == 0:
        return -math.inf
    return float(mpmath.log10(abs(v)))


def _height(x: sp.Basic) -> float:
    """Most decimal digits of a numerator or denominator among the rationals in ``x``."""
    best = 0.0
    for r in x.atoms(sp.Rational):
        best = max(best, math.log10(max(abs(r.p), r.q, 1)))
    return best


def _largest_rational(x: sp.Basic) -> float:
    """Largest |r| among the rationals in ``x`` (at least 1)."""
    best = 1.0
    for r in x.atoms(sp.Rational):
        best = max(best, 10 ** min(_log10_abs(abs(r)), _MAX_LOG10))
    return best


def _too_big_exact(x: sp.Expr) -> bool:
    """True when a top-level term of ``x`` has a rational coefficient over the digit limit."""
    for term in sp.Add.make_args(x):
        c = term.as_coeff_Mul()[0]
        if c.is_Rational and (abs(c.p).bit_length() > _MAX_BITS or c.q.bit_length() > _MAX_BITS):
            return True
    return False


def _log_rewrite_cost(x: sp.Expr) -> float:
    """Digits sympy may compute when it rewrites ``exp(c*log(r))`` in ``x`` as ``r**c``.

    Bounded by the largest |c| outside the logs times the most digits of a rational inside.
    """
    logs = x.atoms(sp.log)
    if not logs:
        return 0.0
    outside = x.xreplace({lg: sp.Dummy() for lg in logs})
    return max(_height(lg) for lg in logs) * _largest_rational(outside)


# ------------------------------------------------------------------------- chains
# A run of one operator ('u + a - q + ...', 'u*a/q*...', 'c1 and c2 and ...') used to be
# built one step at a time, as written: ((u + a) - q) + ... . sympy re-flattens the whole
# partial result at every step, so a run of n distinct operands cost O(n**2) (a 1 MB sum
# took minutes). The classes below give the same expression as that left fold, and the
# digit limit is still checked on every partial result, in linear time.
_MISSING = object()


def _undefined(x: sp.Basic) -> bool:
    """Does ``x`` contain an infinity or nan (e.g. ``0*(1/z)`` for a symbol z declared zero)?

    The runs below then take every step as written, where sympy's rules for them apply."""
    return x.has(sp.zoo, sp.nan, sp.oo, -sp.oo)


def _term_too_big(c: sp.Expr, s: sp.Expr) -> bool:
    """Has the term ``c*s``, as Add writes it after collecting the coefficients of ``s``,
    too many digits? Its coefficient is ``c`` (Add puts ``c`` in front of a product or a
    sum, and Mul cannot merge ``c`` into a non-number); only a number ``s`` is rebuilt."""
    if c == 0:  # (not c.is_zero: asking a new number's assumptions is slow)
        return False  # the term cancelled
    if c is sp.S.One or s.is_Mul or s.is_Add or not s.is_number:
        return _too_big_exact(c)
    return _too_big_exact(sp.Mul(c, s))


class _Sum:
    """The operands of a run of '+'/'-' and the coefficient of each distinct term so far.

    sympy's Add is associative on the parser's (finite, commutative) terms, so one Add of
    all the operands is the left fold. Only the terms an operand touches change their
    coefficients, so only those are checked against the digit limit at each step, which is
    what checking the whole partial sum found.
    """

    def __init__(self, first: sp.Expr):
        self.operands = [first]
        self.number: sp.Expr = sp.S.Zero  # the numeric term of the partial sum
        self.coeffs: dict[sp.Expr, sp.Expr] = {}  # term without its coefficient -> coefficient
        self.exact: sp.Expr | None = first if _undefined(first) else None  # step by step

    def add(self, operand: sp.Expr) -> bool:
        """Add ``operand``; True when a term of the partial sum now has too many digits."""
        if self.exact is None and _undefined(operand):
            self.exact = self.value()
        if self.exact is not None:
            self.exact = self.exact + operand
            return _too_big_exact(self.exact)
        first_too_big = len(self.operands) == 1 and self._collect(self.operands[0])
        self.operands.append(operand)
        return self._collect(operand) or first_too_big

    def _collect(self, x: sp.Expr) -> bool:
        """Collect the terms of ``x`` as Add.flatten does; True when one gets too big."""
        too_big = False
        todo = list(sp.Add.make_args(x))
        while todo:
            t = todo.pop()
            if t.is_Add:
                todo.extend(t.args)
                continue
            if t.is_Number:
                self.number += t
                too_big |= _too_big_exact(self.number)
                continue
            if t.is_Pow:  # an unevaluated power of a number, e.g. 2**(-1/2), is evaluated
                b, e = t.as_base_exp()
                if b.is_Number and (e.is_Integer or (e.is_Rational and e.is_negative)):
                    todo.append(b**e)
                    continue
            c, s = t.as_coeff_Mul() if t.is_Mul else (sp.S.One, t)
            c = self.coeffs[s] = self.coeffs.get(s, sp.S.Zero) + c
            too_big |= _term_too_big(c, s)
        return too_big

    def value(self) -> sp.Expr:
        if self.exact is not None:
            return self.exact
        return sp.Add(*self.operands) if len(self.operands) > 1 else self.operands[0]


def _factor_kind(a: sp.Expr) -> tuple[bool, sp.Expr, sp.Expr] | None:
    """How a factor of a product combines with the others.

    ``(True, symbol, exponent)`` for a symbol to a rational power: these only add their
    exponents. ``(False, base, a)`` for anything else that is not a number: safe while no
    other factor has the same base. None for powers of numbers (``sqrt(2)``, ``2**u``),
    ``I`` and the like, which sympy merges with the rational coefficient and each other.
    """
    if not a.is_commutative:
        return None
    if a.is_Symbol:
        return None if a.is_zero else (True, a, sp.S.One)
    if a.is_Pow and a.base.is_Symbol and a.exp.is_Rational:
        return None if a.base.is_zero else (True, a.base, a.exp)
    base = a.as_base_exp()[0]
    if a.is_Number or base.is_Number or base is sp.I:
        return None
    return False, base, a


class _Product:
    """The running value of a run of '*'/'/', as factors still to be multiplied together.

    Unlike Add, sympy's Mul is not associative: ``2*(u + 1)*u`` multiplied step by step is
    ``u*(2*u + 2)`` (a number times a sum is expanded), but ``2*u*(u + 1)`` in one Mul, and
    repeated compound bases or powers of numbers may merge differently. So a factor is only
    deferred while nothing it could merge with is present (see :func:`_factor_kind`) and the
    product is not a number times a single sum; otherwise the deferred factors are
    multiplied out and this step is taken exactly as written. The rational coefficient is
    tracked so that the digit limit is checked at every step.
    """

    def __init__(self, value: sp.Expr):
        self.restart(value)

    def restart(self, value: sp.Expr) -> None:
        """Start again from ``value``, the exact product so far."""
        self.factors = [value]
        self.coeff: sp.Expr = sp.S.One
        # base -> (True, summed exponent) for a symbol, (False, the factor) for anything else
        self.bases: dict[sp.Expr, tuple[bool, sp.Expr]] = {}
        self.live = 0  # bases whose exponent is not zero
        self.sums = 0  # of them, sums standing as factors
        self.numeric = False  # a power of a number or I is a factor
        self.blocked = _undefined(value) or not self._absorb(sp.Mul.make_args(value), {},
                                                             restart=True)

    def defer(self, g: sp.Expr) -> bool:
        """Multiply by ``g`` together with the rest later, when that gives what multiplying
        now would; False (and nothing changed) when this step must be taken now."""
        if self.blocked or self.lone_sum() or _undefined(g):
            return False
        saved = self.coeff, self.live, self.sums
        changed: dict[sp.Expr, object] = {}
        if self._absorb(sp.Mul.make_args(g), changed, restart=False) and not self.lone_sum():
            self.factors.append(g)
            return True
        self.coeff, self.live, self.sums = saved
        for base, old in changed.items():
            if old is _MISSING:
                del self.bases[base]
            else:
                self.bases[base] = old
        return False

    def lone_sum(self) -> bool:
        """Is the product a number times one sum? sympy then expands it."""
        return self.live == 1 and self.sums == 1

    def _absorb(self, atoms: tuple[sp.Expr, ...], changed: dict, restart: bool) -> bool:
        for a in atoms:
            if a.is_Rational:
                if a == 0 or (self.numeric and not restart):
                    return False
                self.coeff *= a
                continue
            kind = _factor_kind(a)
            if kind is None:
                if not restart:
                    return False
                self.numeric = True
                continue
            is_symbol, base, value = kind
            old = self.bases.get(base, _MISSING)
            if old is not _MISSING and not (is_symbol and old[0]):
                return False  # a compound base seen twice: sympy may merge it oddly
            changed.setdefault(base, old)
            if old is _MISSING:
                self.bases[base] = (is_symbol, value)
                self.live += 1
                self.sums += not is_symbol and value.is_Add
            else:
                exponent = old[1] + value
                self.bases[base] = (True, exponent)
                self.live += (exponent != 0) - (old[1] != 0)
        return True

    def value(self) -> sp.Expr:
        return sp.Mul(*self.factors) if len(self.factors) > 1 else self.factors[0]


def _or_fold(operands: list[Boolean], evaluate: bool) -> Boolean:
    """``Or(Or(Or(a, b), c), ...)``, the left fold of a run of 'or', in linear time.

    Once the partial result is an Or, sympy adds the next condition (or its arguments, for
    an Or) to its arguments without comparing it with them, so the set of arguments is kept
    instead. One Or of that set is the same Or unless two relationals in it are equal or
    opposite once made canonical (a single Or merges those, the fold did not); then the fold
    is replayed step by step.
    """
    partial, args = operands[0], None  # the fold while it is not an Or; then its arguments
    for c in operands[1:]:
        if args is None:
            partial = sp.Or(partial, c, evaluate=evaluate)
            if isinstance(partial, sp.Or):
                args = set(partial.args)
        elif c == sp.true:
            partial, args = sp.true, None
        elif c != sp.false:
            args.update(c.args if isinstance(c, sp.Or) else (c,))
    if args is None:
        return partial
    if _relationals_collide(args):
        out = operands[0]
        for c in operands[1:]:
            out = sp.Or(out, c, evaluate=evaluate)
        return out
    # sympy compares each relational in one Or call with all the others (quadratic); an Or
    # of Ors only unions their arguments, so groups of 32 give the same Or in linear time
    args = list(args)
    groups = [sp.Or(*args[i:i + 32], evaluate=evaluate) for i in range(0, len(args), 32)]
    return groups[0] if len(groups) == 1 else sp.Or(*groups, evaluate=evaluate)


def _relationals_collide(args: set) -> bool:
    """Are two relationals in ``args`` equal or opposite once made canonical?"""
    seen: set = set()
    negated: set = set()
    for x in args:
        if x.is_Relational:
            c = x.canonical
            n = c.negated.canonical
            if c in seen or c in negated or n in seen:
                return True
            seen.add(c)
            negated.add(n)
    return False


# ---------------------------------------------------------------------------- parser
class _Parser:
    """Precedence-climbing parser over a lazily lexed token stream."""

    def __init__(self, text: str, symbols: Mapping[str, sp.Basic], max_depth: int,
                 condition: bool, class_sums: ClassSums | None = None):
        self.text = text
        self.names: dict[str, sp.Basic] = {**_CONSTANTS, **symbols}
        self.allowed = _allowed(symbols, condition, class_sums)
        self.class_sums = class_sums
        self.in_sum = False
        self.max_depth = max_depth
        self.depth = -1  # the outermost _parse is level 0
        self.bool_ok = condition  # may a condition appear here?
        self.evaluate = False  # let sympy evaluate conditions (inside piecewise only)
        self.tok = _lex_one(text, 0, None)
        self.last_end = 0  # end of the last consumed token

    # ------------------------------------------------------------------ helpers
    def fail(self, pos: int, reason: str) -> NoReturn:
        raise _error(self.text, pos + 1, reason, self.allowed)

    def advance(self) -> _Token:
        tok = self.tok
        self.tok = _lex_one(self.text, tok.end, tok)
        self.last_end = tok.end
        return tok

    def at_op(self, text: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == text

    def unexpected(self, tok: _Token, expected: str) -> NoReturn:
        """Refuse ``tok`` with the most helpful reason for its kind."""
        if tok.kind == "bad":
            self.fail(tok.start, tok.reason)
        if tok.kind == "end":
            self.fail(tok.start, f"unexpected end of input, {expected}")
        if tok.kind == "name" and keyword.iskeyword(tok.text) and tok.text not in _RESERVED:
            self.fail(tok.start, f"keyword {tok.text!r} is not allowed")
        if tok.kind == "name" and tok.text in _RESERVED and not self.bool_ok:
            self.fail(tok.start, f"{tok.text!r} is only allowed in piecewise conditions")
        self.fail(tok.start, f"unexpected {_quote(tok.text, 30)}, {expected}")

    def span(self, start: int, end: int) -> str:
        """``_quote(self.text[start:end], 40)`` without copying a long span."""
        if end - start > 40:
            return repr(self.text[start:start + 37] + "...")
        return _quote(self.text[start:end], 40)

    def want_expr(self, value: sp.Basic, tok: _Token, what: str) -> sp.Expr:
        if not isinstance(value, sp.Expr):  # sympy Symbols are Expr (and Boolean) alike
            self.fail(tok.start, f"{what} must be a number-valued expression, not a condition")
        return value

    def want_cond(self, value: sp.Basic, tok: _Token, what: str) -> Boolean:
        if not isinstance(value, Boolean) or isinstance(value, sp.Expr):
            self.fail(tok.start, f"{what} must be a condition such as 'u < 0.5'")
        return value

    def check_exact(self, value: sp.Expr, start: int, end: int, pos: int) -> sp.Expr:
        if _too_big_exact(value):
            self.too_big(start, end, pos)
        return value

    def too_big(self, start: int, end: int, pos: int) -> NoReturn:
        self.fail(pos, f"{self.span(start, end)} gives an exact number with more than "
                       f"{_MAX_DIGITS} digits")

    def check_defined(self, value: sp.Expr, start: int, end: int, pos: int) -> sp.Expr:
        if _undefined(value):
            self.fail(pos, f"{self.span(start, end)} is undefined (division by zero)")
        return value

    # ------------------------------------------------------------------ grammar
    def parse(self, min_bp: int) -> sp.Basic:
        """Parse operators binding tighter than ``min_bp``; one nesting level."""
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                self.fail(self.tok.start, f"nesting deeper than {self.max_depth} levels "
                                          f"(max_depth) at {_quote(self.tok.text, 20)}")
            start = self.tok.start
            left = self.prefix()
            while True:
                tok = self.tok
                is_word = tok.kind == "name" and tok.text in ("and", "or")
                if not (tok.kind == "op" or is_word) or tok.text not in _INFIX:
                    return left
                bp = _INFIX[tok.text]
                if bp <= min_bp:
                    return left
                if bp <= _CMP_BP and not self.bool_ok:
                    kind = "comparison" if tok.text in _RELATIONS else "operator"
                    self.fail(tok.start, f"{kind} {tok.text!r} is only allowed in piecewise "
                                         f"conditions")
                if tok.text in _RELATIONS:
                    left = self.comparison(left, start)
                elif is_word:
                    left = self.logic_run(left, tok)
                elif tok.text in ("+", "-"):
                    left = self.sum_run(left, start)
                elif tok.text in ("*", "/"):
                    left = self.product_run(left, start)
                else:
                    left = self.power_op(left, start, tok)
        finally:
            self.depth -= 1

    def at_run(self, ops: tuple[str, ...]) -> bool:
        """Is the next token one of ``ops`` (operators of one binding power)?"""
        tok = self.tok
        return tok.kind in ("op", "name") and tok.text in ops

    def right_operand(self, op: _Token) -> tuple[sp.Expr, int]:
        """Consume ``op`` and the number-valued operand after it: (operand, its end)."""
        self.advance()
        right = self.parse(_INFIX[op.text])
        self.want_expr(right, op, f"the right side of {op.text!r}")
        return right, self.last_end

    def sum_run(self, first: sp.Basic, start: int) -> sp.Expr:
        """``a + b - c + ...`` at one level, as the left fold but built in one Add."""
        self.want_expr(first, self.tok, f"the left side of {self.tok.text!r}")
        total = _Sum(first)
        while self.at_run(("+", "-")):
            op = self.tok
            right, end = self.right_operand(op)
            if total.add(right if op.text == "+" else -right):
                self.too_big(start, end, op.start)
        return total.value()

    def product_run(self, first: sp.Basic, start: int) -> sp.Expr:
        """``a * b / c * ...`` at one level: the left fold, with the factors that cannot
        interact multiplied in one Mul (see :class:`_Product`)."""
        self.want_expr(first, self.tok, f"the left side of {self.tok.text!r}")
        product = _Product(first)
        while self.at_run(("*", "/")):
            op = self.tok
            right, end = self.right_operand(op)
            if op.text == "/" and right == 0:
                self.fail(op.start, f"{self.span(start, end)} divides by zero")
            factor = right if op.text == "*" else sp.Pow(right, sp.S.NegativeOne)
            if product.defer(factor):
                if _too_big_exact(product.coeff):
                    self.too_big(start, end, op.start)
                continue
            out = _PRODUCT_OPS[op.text](product.value(), right)
            if op.text == "/":
                self.check_defined(out, start, end, op.start)
            product.restart(self.check_exact(out, start, end, op.start))
        return product.value()

    def logic_run(self, first: sp.Basic, tok: _Token) -> Boolean:
        """``c1 and c2 and ...`` (or ``or``) at one level, as the left fold.

        And is associative (it flattens and then compares all its arguments), so one And
        is the fold; Or compares only the arguments of one call, see :func:`_or_fold`.
        """
        word = tok.text
        self.want_cond(first, tok, f"the left side of {word!r}")
        operands = [first]
        while self.at_run((word,)):
            op = self.advance()
            operands.append(self.want_cond(self.parse(_INFIX[word]), op,
                                           f"the right side of {word!r}"))
        if word == "or":
            return _or_fold(operands, self.evaluate)
        return sp.And(*operands, evaluate=self.evaluate)

    def power_op(self, left: sp.Basic, start: int, op: _Token) -> sp.Expr:
        self.want_expr(left, op, f"the left side of {op.text!r}")
        self.advance()
        right = self.parse(_UNARY_BP)
        end = self.last_end
        self.want_expr(right, op, f"the right side of {op.text!r}")
        return self.power(left, right, start, end, op)

    def comparison(self, first: sp.Basic, start: int) -> Boolean:
        operands = [first]
        ops: list[_Token] = []
        while self.tok.kind == "op" and self.tok.text in _RELATIONS:
            op = self.tok
            self.want_expr(operands[-1], op, f"the left side of {op.text!r}")
            ops.append(self.advance())
            operands.append(self.parse(_CMP_BP))
            self.want_expr(operands[-1], op, f"the right side of {op.text!r}")
        try:
            rels = [_RELATIONS[op.text](operands[i], operands[i + 1], evaluate=self.evaluate)
                    for i, op in enumerate(ops)]
        except TypeError as exc:  # e.g. a comparison of non-real numbers
            self.fail(ops[0].start, f"{self.span(start, self.last_end)} cannot be compared: "
                                    f"{exc}")
        return rels[0] if len(rels) == 1 else sp.And(*rels, evaluate=self.evaluate)

    def prefix(self) -> sp.Basic:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return self.number(tok)
        if tok.kind == "name":
            if tok.text == "not" and self.bool_ok:
                self.advance()
                operand = self.want_cond(self.parse(_NOT_BP), tok, "the operand of 'not'")
                return sp.Not(operand, evaluate=self.evaluate)
            if tok.text in _RESERVED:
                self.unexpected(tok, "expected a number, a name or '('")
            return self.name(tok)
        if tok.kind == "op" and tok.text in ("+", "-"):
            self.advance()
            operand = self.want_expr(self.parse(_UNARY_BP), tok, f"the operand of {tok.text!r}")
            return -operand if tok.text == "-" else operand
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            inner = self.parse(0)
            self.close(tok, "expected ')'")
            return inner
        if tok.kind == "op" and tok.text == ")":
            self.fail(tok.start, "unbalanced parentheses: unexpected ')'")
        self.unexpected(tok, "expected a number, a name, a function call or '('")

    def close(self, opening: _Token, expected: str) -> _Token:
        """Consume the ')' matching ``opening`` or refuse."""
        if self.at_op(")"):
            return self.advance()
        if self.tok.kind == "end":
            self.fail(opening.start, f"unbalanced parentheses: '(' at column "
                                     f"{opening.start + 1} is never closed")
        self.unexpected(self.tok, expected)

    def number(self, tok: _Token) -> sp.Rational:
        text = tok.text
        if len(text) > _MAX_LITERAL:
            self.fail(tok.start, f"numeric literal {_quote(text, 20)} is longer than "
                                 f"{_MAX_LITERAL} characters")
        mantissa, _, exponent = text.lower().partition("e")
        whole, _, frac = mantissa.partition(".")
        digits = int((whole + frac) or "0")
        scale = (int(exponent) if exponent else 0) - len(frac)
        if digits == 0:
            return sp.Integer(0)
        size = math.log10(digits) + scale
        if not -_MAX_LOG10 <= size <= _MAX_LOG10:
            self.fail(tok.start, f"numeric literal {_quote(text, 20)} is out of range "
                                 f"(magnitudes 1e-300 to 1e300)")
        value = (sp.Integer(digits * 10**scale) if scale >= 0
                 else sp.Rational(digits, 10**-scale))
        return self.check_exact(value, tok.start, tok.end, tok.start)

    def name(self, tok: _Token) -> sp.Basic:
        self.advance()
        name = tok.text
        is_call = self.at_op("(")
        if name in ALLOWED_FUNCTIONS and is_call:
            return self.call(tok)
        if self.class_sums is not None and name == "sum" and is_call:
            return self.class_sum(tok)
        if self.class_sums is not None:
            cs = self.class_sums
            if name == cs.variable:
                if not self.in_sum:
                    self.fail(tok.start, f"{name!r} is the class variable of sum(...) and may "
                                         "appear only inside it")
                if is_call:
                    self.fail(tok.start, f"{name!r} is not a function and cannot be called")
                return cs.symbol
            if self.in_sum and name in cs.outside_only:
                self.fail(tok.start, f"{name!r} (the labelled class) cannot appear inside "
                                     f"sum(...), which runs over every class k with "
                                     f"{cs.variable!r} = u_k")
        if name in self.names:
            if is_call:
                self.fail(tok.start, f"{name!r} is not a function and cannot be called "
                                     f"(write '*' to multiply)")
            return self.names[name]
        if name in ALLOWED_FUNCTIONS:
            self.fail(tok.start, f"function {name!r} must be called, e.g. {name}(u)")
        if keyword.iskeyword(name):
            self.fail(tok.start, f"keyword {name!r} is not allowed")
        if is_call:
            self.fail(tok.start, f"{name!r} is not an allowed function")
        self.fail(tok.start, f"unknown name {name!r} (a parameter? give its value: --param "
                             f"{name}=VALUE, or params={{{name!r}: ...}} in Python)")

    def call(self, ftok: _Token) -> sp.Expr:
        fname = ftok.text
        opening = self.advance()
        saved = self.bool_ok, self.evaluate
        args: list[tuple[sp.Basic, _Token]] = []
        try:
            if not self.at_op(")"):
                while True:
                    # piecewise(value, cond, value, cond, ..., otherwise): odd args are
                    # conditions, which sympy's Piecewise needs evaluated
                    self.bool_ok = fname == "piecewise" and len(args) % 2 == 1
                    self.evaluate = self.bool_ok or saved[1]
                    first = self.tok
                    args.append((self.parse(0), first))
                    if not self.at_op(","):
                        break
                    self.advance()
        finally:
            self.bool_ok, self.evaluate = saved
        end = self.close(opening, "expected ',' or ')'").end
        return self.apply(ftok, args, end)

    def apply(self, ftok: _Token, args: list[tuple[sp.Basic, _Token]], end: int) -> sp.Expr:
        fname, n = ftok.text, len(args)
        span = self.span(ftok.start, end)
        if fname == "piecewise":
            return self.piecewise(ftok, args, span)
        lo, hi = {"log": (1, 2), "min": (2, None), "max": (2, None)}.get(fname, (1, 1))
        if n < lo or (hi is not None and n > hi):
            want = {(1, 1): "exactly 1 argument", (1, 2): "1 or 2 arguments (x, base)",
                    (2, None): "2 or more arguments"}[(lo, hi)]
            self.fail(ftok.start, f"{fname} takes {want}, got {n} in {span}")
        xs = [self.want_expr(a, t, f"argument {i + 1} of {fname}")
              for i, (a, t) in enumerate(args)]
        if fname == "exp":
            self.guard_exp(xs[0], ftok, span)
            out = sp.exp(xs[0])
        elif fname == "log":
            if n == 2 and (xs[1] == 0 or xs[1] == 1):
                self.fail(ftok.start, f"{span} has base {xs[1]}; a log base cannot be 0 or 1")
            out = sp.log(*xs)
            self.check_defined(out, ftok.start, end, ftok.start)
        elif fname == "sqrt":
            out = sp.sqrt(xs[0])
        elif fname in _PLAIN:
            out = _PLAIN[fname](xs[0])
            if fname == "tan":
                self.check_defined(out, ftok.start, end, ftok.start)  # tan(pi/2)
        elif fname in ("sinh", "cosh"):
            self.guard_exp(xs[0], ftok, span)  # they grow like exp
            self.guard_exp(-xs[0], ftok, span)
            out = (sp.sinh if fname == "sinh" else sp.cosh)(xs[0])
        elif fname == "erfc":  # written with erf, which every prover knows
            out = 1 - sp.erf(xs[0])
        elif fname == "log1p":
            out = sp.log(1 + xs[0])
            self.check_defined(out, ftok.start, end, ftok.start)
        elif fname == "expm1":
            self.guard_exp(xs[0], ftok, span)
            out = sp.exp(xs[0]) - 1
        elif fname == "sigmoid":  # 1/(1 + e^-x)
            self.guard_exp(-xs[0], ftok, span)
            out = 1 / (1 + sp.exp(-xs[0]))
        elif fname == "softplus":  # log(1 + e^x)
            self.guard_exp(xs[0], ftok, span)
            out = sp.log(1 + sp.exp(xs[0]))
        elif fname == "abs":
            out = sp.Abs(xs[0])
        else:
            if n > _MAX_MINMAX_ARGS:  # sympy's Min/Max compare every pair: time grows fast
                self.fail(ftok.start, f"{fname} takes at most {_MAX_MINMAX_ARGS} arguments, "
                                      f"got {n} in {span}")
            try:
                out = (sp.Min if fname == "min" else sp.Max)(*xs)
            except (TypeError, ValueError) as exc:  # e.g. non-real numbers
                self.fail(ftok.start, f"{span} is not defined: {exc}")
        return self.check_exact(out, ftok.start, end, ftok.start)

    def class_sum(self, ftok: _Token) -> sp.Expr:
        """``sum(g(v))``: Σ_k g(u_k) over the K classes, returned as a fresh symbol whose
        summand is recorded in ``class_sums``."""
        if self.in_sum:
            self.fail(ftok.start, "sum(...) cannot be nested inside another sum(...)")
        opening = self.advance()
        self.in_sum = True
        try:
            first = self.tok
            arg = self.parse(0)
        finally:
            self.in_sum = False
        self.close(opening, "sum takes exactly 1 argument; expected ')'")
        g = self.want_expr(arg, first, "the argument of sum")
        cs = self.class_sums
        if len(cs.terms) >= cs.max_sums:
            self.fail(ftok.start, f"at most {cs.max_sums} sum(...) terms are allowed")
        for S, h in cs.terms:  # the same summand twice is the same class sum
            if sp.simplify(h - g) == 0:
                return S
        S = sp.Symbol(f"S_{len(cs.terms)}", real=True)
        cs.terms.append((S, g))
        return S

    def piecewise(self, ftok: _Token, args: list[tuple[sp.Basic, _Token]],
                  span: str) -> sp.Expr:
        if len(args) < 3 or len(args) % 2 == 0:
            self.fail(ftok.start, f"piecewise takes value1, cond1, ..., otherwise (an odd "
                                  f"number, at least 3, of arguments), got {len(args)} in "
                                  f"{span}")
        pieces = []
        for i in range(0, len(args) - 1, 2):
            (value, vtok), (cond, ctok) = args[i], args[i + 1]
            pieces.append((self.want_expr(value, vtok, f"piecewise argument {i + 1}"),
                           self.want_cond(cond, ctok, f"piecewise argument {i + 2}")))
        other, otok = args[-1]
        pieces.append((self.want_expr(other, otok, "the last piecewise argument"), sp.true))
        try:
            return sp.Piecewise(*pieces)
        except (TypeError, ValueError) as exc:
            self.fail(ftok.start, f"{span} is not defined: {exc}")

    # ----------------------------------------------------------- numeric guards
    def guard_exponent(self, ex: sp.Expr, pos: int, span: str) -> None:
        if ex.is_number and _log10_abs(ex) > _MAX_EXPONENT_LOG10:
            self.fail(pos, f"{span} is too large: its exponent {_quote(str(ex), 30)} exceeds "
                           f"1e6 in absolute value")
        if ex.is_number and _log_rewrite_cost(ex) > _MAX_DIGITS:
            self.fail(pos, f"{span} is too large to compute exactly")

    def power(self, base: sp.Expr, ex: sp.Expr, start: int, end: int, op: _Token) -> sp.Expr:
        span = self.span(start, end)
        self.guard_exponent(ex, op.start, span)
        if base.is_number and ex.is_number:
            lb = _log10_abs(base)
            if lb == math.inf:
                self.fail(op.start, f"{span} is too large to estimate")
            if lb > -math.inf:
                z, b = _to_mp(ex), _to_mp(base)
                size = float(z.real * lb - z.imag * mpmath.arg(b) / mpmath.ln(10))
                if size > _MAX_LOG10:
                    self.fail(op.start, f"{span} is too large: about 1e{size:.0f}, beyond "
                                        f"1e300 in magnitude")
                if float(abs(z)) * _height(base) > _MAX_DIGITS:
                    self.fail(op.start, f"{span} is too large: its exact value would have "
                                        f"more than {_MAX_DIGITS} digits")
        out = sp.Pow(base, ex)
        self.check_defined(out, start, end, op.start)
        return self.check_exact(out, start, end, op.start)

    def guard_exp(self, x: sp.Expr, ftok: _Token, span: str) -> None:
        if not x.is_number:
            return
        if _log10_abs(x) > _MAX_EXPONENT_LOG10:
            self.fail(ftok.start, f"{span} is too large: its argument exceeds 1e6 in "
                                  f"absolute value")
        size = float(_to_mp(x).real / mpmath.ln(10))
        if size > _MAX_LOG10:
            self.fail(ftok.start, f"{span} is too large: about 1e{size:.0f}, beyond 1e300 "
                                  f"in magnitude")
        if _log_rewrite_cost(x) > _MAX_DIGITS:
            self.fail(ftok.start, f"{span} is too large to compute exactly")


# ------------------------------------------------------------------------ public API
def _run(text: str, symbols: Mapping[str, sp.Basic], max_length: int, max_depth: int,
         condition: bool, class_sums: ClassSums | None = None) -> sp.Basic:
    if not isinstance(text, str):
        raise ExpressionError(f"cannot parse {type(text).__name__}: an expression must be text")
    if not 1 <= max_depth <= _DEPTH_CAP:
        raise ValueError(f"max_depth must be between 1 and {_DEPTH_CAP}, got {max_depth}")
    allowed = _allowed(symbols, condition, class_sums)
    if len(text) > max_length:
        raise _error(text, max_length + 1, f"the text is {len(text)} characters long, more "
                     f"than the limit of {max_length} (max_length)", allowed)
    if not text.strip():
        what = "condition" if condition else "expression"
        raise _error(text, 1, f"the {what} is empty", allowed)
    level = 0
    for i, ch in enumerate(text):  # cheap guard before any recursion
        if ch == "(":
            level += 1
            if level > max_depth:
                raise _error(text, i + 1, f"'(' nests parentheses deeper than {max_depth} "
                             f"levels (max_depth)", allowed)
        elif ch == ")":
            level -= 1
    parser = _Parser(text, symbols, max_depth, condition, class_sums)
    try:
        out = parser.parse(0)
    except RecursionError:  # belt and braces: the depth limits should prevent this
        raise _error(text, 1, "the text is nested too deeply to parse", allowed) from None
    tok = parser.tok
    if tok.kind != "end":
        if tok.kind == "op" and tok.text == ")":
            parser.fail(tok.start, "unbalanced parentheses: ')' has no matching '('")
        is_word = tok.kind == "name" and (keyword.iskeyword(tok.text) or tok.text in _RESERVED)
        if (tok.kind in ("num", "name") and not is_word) or (tok.kind == "op" and tok.text == "("):
            parser.fail(tok.start, f"unexpected {_quote(tok.text, 30)} after a complete "
                                   f"expression (write '*' to multiply)")
        parser.unexpected(tok, "expected an operator or the end")
    first = _Token("end", "", 0, 0)
    if condition:
        return parser.want_cond(out, first, "the text")
    return parser.want_expr(out, first, "the text")


def parse_expression(text: str, symbols: Mapping[str, sp.Symbol], *, max_length: int = 2000,
                     max_depth: int = 64, class_sums: ClassSums | None = None) -> sp.Expr:
    """Parse user-typed math into a sympy expression, without evaluating any code.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"((a+1)**q - (a+u)**q)/q"``; grammar in the module docstring.
    symbols : Mapping[str, sympy.Symbol]
        The names the user may use, mapped to the caller's symbols (several names may map
        to one symbol, e.g. ``{"u": U, "p": U}``). They shadow the constants ``pi``, ``e``
        and ``E``.
    max_length : int, optional
        Longest text accepted, in characters.
    max_depth : int, optional
        Deepest nesting of parentheses, calls, signs and exponents accepted (at most 150).

    Returns
    -------
    sympy.Expr
        The expression, built from exactly the symbol objects in ``symbols``.

    Raises
    ------
    ExpressionError
        If the text is empty, too long, too deeply nested, uses anything outside the
        grammar, or would produce a number too large to compute; the message names the
        offending text, its column and what is allowed.
    ValueError
        If ``max_depth`` is outside 1..150.

    With ``class_sums`` (a :class:`ClassSums`), ``sum(g(v))`` is allowed: a sum over the K
    classes, returned as a symbol, its summand recorded in ``class_sums.terms``.
    """
    return _run(text, symbols, max_length, max_depth, condition=False, class_sums=class_sums)


def parse_condition(text: str, symbols: Mapping[str, sp.Symbol], *, max_length: int = 2000,
                    max_depth: int = 64) -> Boolean:
    """Parse a condition such as ``"a > 1"``, ``"0 < p <= 1"`` or ``"a > 0 and q > 0"``.

    Comparisons chain as in Python (``0 < p <= 1`` is ``(0 < p) & (p <= 1)``) and combine
    with ``and``, ``or``, ``not`` and parentheses. The result is kept as written (built with
    ``evaluate=False``), so ``"a > 0"`` stays a relational even when ``a`` is declared
    positive; call ``.simplify()`` on it to let sympy decide what it can.

    Parameters
    ----------
    text : str
        The condition.
    symbols : Mapping[str, sympy.Symbol]
        As for :func:`parse_expression`.
    max_length, max_depth : int, optional
        As for :func:`parse_expression`.

    Returns
    -------
    sympy.logic.boolalg.Boolean
        A relational, or ``And``/``Or``/``Not`` of relationals, unevaluated.

    Raises
    ------
    ExpressionError
        As for :func:`parse_expression`, and when the text is a number-valued expression
        rather than a condition.
    ValueError
        If ``max_depth`` is outside 1..150.
    """
    return _run(text, symbols, max_length, max_depth, condition=True)
