"""Compile a sympy expression in x, y into vectorized numpy value, gradient and Hessian."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .errors import InvalidInput
from .expressions import RealAbs, RealSign, X, Y

Array = np.ndarray
Scalarish = Array | float

# Exact numbers past this are not exact in float64 anyway, and numpy cannot take a Python int past 2**63
# (np.sin(2**70) fails) nor past float64's range (x*2**1100 fails).
_EXACT_IN_FLOAT64 = 2**53


class Compiled(NamedTuple):
    """The three numpy functions of one formula; outputs broadcast against x and y."""

    value: Callable[[Array, Array], Scalarish]
    value_and_grad: Callable[[Array, Array], tuple[Scalarish, Scalarish, Scalarish]]
    hessian: Callable[[Array, Array], tuple[Scalarish, Scalarish, Scalarish]]


class _Printer(NumPyPrinter):
    """Small integer powers as products: numpy squares arrays by multiplication but
    raises numpy scalars with pow(), and a trajectory must not depend on which it got."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent.is_Integer and 2 <= int(exponent) <= 4:
            factor = self.parenthesize(base, sympy.printing.precedence.PRECEDENCE["Mul"])
            # Parenthesized: the printer puts a power after "/" bare (x/y**2), and x/y*y is not that.
            return "(" + "*".join([factor] * int(exponent)) + ")"
        if not exponent.is_Integer and exponent != sympy.S.Half:
            # Not `**`: a single point is evaluated on Python floats, and (-8.0)**(1/3) is complex there.
            return f"{self._module_format('numpy.power')}({self._print(base)}, {self._print(exponent)})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Float(self, expr: sympy.Float) -> str:
        return self._float(float(expr))  # all 17 digits: sympy's default prints 15

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return self._print_Rational(expr)

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if max(abs(expr.p), expr.q) <= _EXACT_IN_FLOAT64:
            return super()._print_Rational(expr) if expr.q != 1 else str(expr.p)
        try:
            return self._float(expr.p / expr.q)  # correctly rounded, however long p and q are
        except OverflowError:
            return self._float(-math.inf if expr.p < 0 else math.inf)

    def _print_RealAbs(self, expr: RealAbs) -> str:
        return f"{self._module_format('numpy.abs')}({self._print(expr.args[0])})"

    def _print_RealSign(self, expr: RealSign) -> str:
        return f"{self._module_format('numpy.sign')}({self._print(expr.args[0])})"

    def _float(self, value: float) -> str:
        if math.isfinite(value):
            return repr(value)
        return ("-" if value < 0 else "") + self._module_format("numpy.inf")

    def _as_ordered_terms(self, expr: sympy.Expr, order: str | None = None) -> list[sympy.Expr]:
        # A sum printed "-x0 + y" costs numpy a negation more than "y - x0": where the first
        # term carries a minus sign, the first one that does not goes before it.
        terms = list(super()._as_ordered_terms(expr, order=order))
        if terms and terms[0].could_extract_minus_sign():
            positive = next((i for i, t in enumerate(terms) if not t.could_extract_minus_sign()), 0)
            terms.insert(0, terms.pop(positive))
        return terms


def _small_power(expr: sympy.Expr) -> bool:
    """A power the printer writes as a product (see _Printer._print_Pow)."""
    return expr.is_Pow and expr.exp.is_Integer and 2 <= int(expr.exp) <= 4


def _cse(exprs: list[sympy.Expr]) -> tuple[list[tuple[sympy.Symbol, sympy.Expr]], list[sympy.Expr]]:
    """sympy's common subexpressions, then the compound base of each small power as one
    more: the printer writes b² as b·b, which must not compute b twice."""
    subexprs, reduced = sympy.cse(exprs, list=False)
    names, hoisted = sympy.numbered_symbols("b"), {}
    out: list[tuple[sympy.Symbol, sympy.Expr]] = []

    def hoist(expr: sympy.Expr) -> sympy.Expr:
        while bases := [p.base for p in expr.atoms(sympy.Pow) if _small_power(p) and not p.base.is_Atom]:
            base = min(bases, key=sympy.count_ops)  # an innermost one: it holds no other
            if base not in hoisted:
                hoisted[base] = next(names)
                out.append((hoisted[base], base))
            expr = expr.xreplace({base: hoisted[base]})
        return expr

    for name, value in subexprs:
        value = hoist(value)
        out.append((name, value))
    return out, [hoist(e) for e in reduced] if isinstance(reduced, list) else hoist(reduced)


def derivatives(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """(fx, fy, fxx, fxy, fyy), with x and y real."""
    # An Abs sympy made itself (√(x²) is |x|) is of a real argument too; its sign's derivative would be a delta.
    real = expr.replace(sympy.Abs, RealAbs)
    fx, fy = (real.diff(s) for s in (X, Y))
    return fx, fy, fx.diff(X), fx.diff(Y), fy.diff(Y)


def _operations(outputs: list[sympy.Expr]) -> int:
    subexprs, reduced = _cse(outputs)
    return sum(sympy.count_ops(e) for e in [*(value for _, value in subexprs), *reduced])


def _fewer_operations(outputs: list[sympy.Expr]) -> list[sympy.Expr]:
    """Each output as derived or with its common factors pulled out, whichever leaves fewer
    operations once shared: ∂/∂y of Rosenbrock is 200y − 200x² as derived, but 200(y − x²)
    reuses the bracket the value computes anyway."""
    best, fewest = list(outputs), _operations(outputs)
    for i, expr in enumerate(outputs):
        trial = [*best[:i], sympy.factor_terms(expr), *best[i + 1 :]]
        if trial[i] != expr and (count := _operations(trial)) < fewest:
            best, fewest = trial, count
    return best


def _lambdify(outputs: list[sympy.Expr] | sympy.Expr) -> Callable:
    # sympy generates the source and runs it: the text comes from a checked tree.
    return sympy.lambdify((X, Y), outputs, modules="numpy", cse=_cse, printer=_Printer)


@lru_cache(maxsize=256)
def compile_expression(expr: sympy.Expr, trusted: bool = True, field: str = "expression") -> Compiled:
    """Derive ∇f and the Hessian symbolically and compile all three.

    A user's formula was bounded when it was parsed (`parse_expression` refuses one whose derivatives
    would be too large); if sympy still fails on it (it has bugs: tanh(exp(e))**(x**3) asks it a question it
    answers wrongly), it is refused as InvalidInput(field), not a server error. Built-ins are `trusted`.
    """
    try:
        fx, fy, fxx, fxy, fyy = derivatives(expr)
        if any(d.has(sympy.I) for d in (fx, fy, fxx, fxy, fyy)):
            raise ValueError("a derivative is not a real number")
        return Compiled(
            value=_lambdify(expr),
            value_and_grad=_lambdify(_fewer_operations([expr, fx, fy])),  # the one that runs every step
            hessian=_lambdify([fxx, fxy, fyy]),
        )
    except InvalidInput:
        raise
    except Exception as exc:
        if trusted:
            raise
        reason = f"{type(exc).__name__}: {exc}"
        raise InvalidInput(field, f"could not be differentiated ({reason[:200]})") from None
