"""Compile a sympy expression in x, y into vectorized numpy value, gradient and Hessian."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .errors import InvalidInput
from .expressions import X, Y

Array = np.ndarray
Scalarish = Array | float

# Symbolic derivatives of a 300-character formula can take sympy many seconds
# (nested exp(x·exp(x·…)), power towers): a user's formula is derived in a
# child process that is killed when it overruns, so the server stays responsive.
DERIVE_SECONDS = 2.0


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
        return repr(float(expr))  # all 17 digits: sympy's default prints 15

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


def _drop_distributions(expr: sympy.Expr) -> sympy.Expr:
    # d|x|/dx = sign(x) and d sign(x)/dx = 2 DiracDelta(x): the SPEC says |θ| adds
    # nothing to the Hessian, and the delta has no numpy meaning anyway.
    return expr.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)


def derivatives(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """(fx, fy, fxx, fxy, fyy), with x and y real."""
    fx, fy = (_drop_distributions(sympy.diff(expr, s)) for s in (X, Y))
    fxx, fxy, fyy = (_drop_distributions(sympy.diff(d, s)) for d, s in ((fx, X), (fx, Y), (fy, Y)))
    return fx, fy, fxx, fxy, fyy


def _derive_into(expr: sympy.Expr, pipe: multiprocessing.connection.Connection) -> None:
    pipe.send(derivatives(expr))


_TOO_COMPLEX: set[sympy.Expr] = set()  # refused once, refused at once (bounded below)


def derivatives_within(expr: sympy.Expr, seconds: float, field: str) -> tuple[sympy.Expr, ...]:
    """`derivatives(expr)` in a child process, refused as InvalidInput(field) past `seconds`."""
    refusal = InvalidInput(field, f"is too complex to differentiate within {seconds:g} s")
    if expr in _TOO_COMPLEX:
        raise refusal
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_derive_into, args=(expr, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            return receiver.recv()
    except EOFError:
        pass
    finally:
        receiver.close()
        child.kill()
        child.join()
    if len(_TOO_COMPLEX) < 1024:
        _TOO_COMPLEX.add(expr)
    raise refusal


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

    Untrusted (user) formulas are derived under a deadline; built-ins are not.
    """
    if trusted:
        fx, fy, fxx, fxy, fyy = derivatives(expr)
    else:
        fx, fy, fxx, fxy, fyy = derivatives_within(expr, DERIVE_SECONDS, field)
    return Compiled(
        value=_lambdify(expr),
        value_and_grad=_lambdify(_fewer_operations([expr, fx, fy])),  # the one that runs every step
        hessian=_lambdify([fxx, fxy, fyy]),
    )
