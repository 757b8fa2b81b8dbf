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
    ``min(x, y, ...)`` and ``max(x, y, ...)`` (two or more arguments), and
    ``piecewise(value1, cond1, value2, cond2, ..., otherwise)``.

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

ALLOWED_FUNCTIONS: tuple[str, ...] = ("exp", "log", "sqrt", "abs", "min", "max", "piecewise")
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
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
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
            self.fail(pos, f"{self.span(start, end)} gives an exact number with more than "
                           f"{_MAX_DIGITS} digits")
        return value

    def check_defined(self, value: sp.Expr, start: int, end: int, pos: int) -> sp.Expr:
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
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
                    self.want_cond(left, tok, f"the left side of {tok.text!r}")
                    self.advance()
                    right = self.parse(bp)
                    self.want_cond(right, tok, f"the right side of {tok.text!r}")
                    left = (sp.And if tok.text == "and" else sp.Or)(left, right,
                                                                    evaluate=self.evaluate)
                else:
                    left = self.arithmetic(left, start, tok)
        finally:
            self.depth -= 1

    def arithmetic(self, left: sp.Basic, start: int, op: _Token) -> sp.Expr:
        self.want_expr(left, op, f"the left side of {op.text!r}")
        self.advance()
        right = self.parse(_UNARY_BP if op.text in ("**", "^") else _INFIX[op.text])
        end = self.last_end
        self.want_expr(right, op, f"the right side of {op.text!r}")
        if op.text in ("**", "^"):
            return self.power(left, right, start, end, op)
        if op.text == "/" and right == 0:
            self.fail(op.start, f"{self.span(start, end)} divides by zero")
        out = _ARITHMETIC[op.text](left, right)
        if op.text == "/":
            self.check_defined(out, start, end, op.start)
        return self.check_exact(out, start, end, op.start)

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
        self.fail(tok.start, f"unknown name {name!r}")

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
        elif fname == "abs":
            out = sp.Abs(xs[0])
        else:
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
