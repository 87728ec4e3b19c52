"""Compile a sympy expression in x, y into vectorized numpy value, gradient and Hessian."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .expressions import X, Y

Array = np.ndarray
Scalarish = Array | float


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
            return "*".join([factor] * int(exponent))
        return super()._print_Pow(expr, rational=rational)


def _drop_distributions(expr: sympy.Expr) -> sympy.Expr:
    # d|x|/dx = sign(x) and d sign(x)/dx = 2 DiracDelta(x): the SPEC says |θ| adds
    # nothing to the Hessian, and the delta has no numpy meaning anyway.
    return expr.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)


def _lambdify(outputs: list[sympy.Expr] | sympy.Expr) -> Callable:
    # sympy generates the source and runs it: the text comes from a checked tree.
    return sympy.lambdify((X, Y), outputs, modules="numpy", cse=True, printer=_Printer)


@lru_cache(maxsize=256)
def compile_expression(expr: sympy.Expr) -> Compiled:
    """Derive ∇f and the Hessian symbolically (x, y real) and compile all three."""
    fx, fy = (_drop_distributions(sympy.diff(expr, s)) for s in (X, Y))
    fxx, fxy, fyy = (_drop_distributions(sympy.diff(d, s)) for d, s in ((fx, X), (fx, Y), (fy, Y)))
    return Compiled(
        value=_lambdify(expr),
        value_and_grad=_lambdify([expr, fx, fy]),
        hessian=_lambdify([fxx, fxy, fyy]),
    )
