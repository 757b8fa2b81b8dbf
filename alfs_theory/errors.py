"""One root error for alfs-theory; subclasses also inherit the builtin a caller expects.

Every message says what was wrong, where, and what would pass.
"""

from __future__ import annotations


class AlfsError(Exception):
    """Root of every error raised on purpose by alfs-theory."""


class UnknownLossError(AlfsError, KeyError):
    """A loss name that is not registered."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly instead
        return str(self.args[0]) if self.args else ""


class ParameterError(AlfsError, ValueError):
    """A parameter that is missing, unknown, or outside its domain."""


class SpecError(AlfsError, ValueError):
    """A loss specification that is malformed (undeclared symbol, bad kind, ...)."""


class ExpressionError(AlfsError, ValueError):
    """A user-typed expression that does not parse or uses something not allowed."""


class InputError(AlfsError, ValueError):
    """Bad numeric input: wrong shape, dtype, labels out of range, non-stochastic matrix."""


class DataError(AlfsError, ValueError):
    """A data set that is unknown, or whose files are missing or malformed."""


class DomainError(AlfsError, ValueError):
    """A loss that is not real and defined where the theory needs it (on [0, 1] for a
    pointwise l, inside the simplex for a vector loss); the message names the point."""


class WriteError(AlfsError, OSError):
    """A result that cannot be written because the file system is full, over quota or
    read-only; the message names the file (:func:`alfs_theory.fileio.atomic_write`)."""

    def __str__(self) -> str:  # the message alone, not OSError's "[Errno 28] ...: 'file'"
        return str(self.strerror) if self.strerror else super().__str__()


class UserCodeError(InputError):
    """The user's own torch code (``--torch MODULE:NAME``) failed: it raised, exited, ran out
    of its CPU time or memory, crashed, or returned something that is not per-example losses.
    The message names the function and what it did; the command exits 2 (bad input), never 3."""
