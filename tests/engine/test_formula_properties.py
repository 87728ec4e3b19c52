"""Properties of the formula parser over generated formulas: what it accepts compiles to what sympy means,
its decision depends on the formula's shape alone, it never fails but with InvalidInput, and threads share it."""

from __future__ import annotations

import ast
import cmath
import math
import random
import threading
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gdviz.engine import symbolic
from gdviz.engine.errors import InvalidInput
from gdviz.engine.expressions import MAX_DERIVATIVE_OPERATIONS, MAX_LENGTH, X, Y, derivative_sizes, parse_expression
from gdviz.engine.surfaces import SURFACES, SurfaceDef, resolve_custom

FUNCTIONS = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan"]

# Derandomized: the same examples on every run, so a failure is a bug and not a bad draw.
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


NUMBERS = st.sampled_from(["1", "2", "3", "7", "0.5", "1.5", "2.5"])
LEAVES = st.sampled_from(["x", "y", "x", "y", "pi", "e"]) | NUMBERS
OPERATORS = st.sampled_from(["+", "-", "*", "/", "**", "^", "+", "*"])


@st.composite
def formulas(draw: st.DrawFn, max_leaves: int) -> str:
    """Texts of the allow-list's grammar (numbers, x, y, pi, e, the five operators and ^, the functions),
    up to `max_leaves` leaves and MAX_LENGTH characters."""
    wrappers = [draw(st.integers(0, max_leaves))]  # functions, minus signs and constant powers left to place

    def tree(leaves: int) -> str:
        if leaves == 1:
            text = draw(LEAVES)
        else:
            left = draw(st.integers(1, leaves - 1))
            text = f"({tree(left)}{draw(OPERATORS)}{tree(leaves - left)})"
        while wrappers[0] and draw(st.booleans()):
            wrappers[0] -= 1
            kind = draw(st.sampled_from(["function", "function", "minus", "power"]))
            if kind == "function":
                text = f"{draw(st.sampled_from(FUNCTIONS))}({text})"
            else:
                text = f"-{text}" if kind == "minus" else f"{text}**{draw(NUMBERS)}"
        return text

    text = tree(draw(st.integers(1, max_leaves)))
    assume(len(text) <= MAX_LENGTH)
    return text


def nodes(expr: sympy.Expr) -> int:
    return sum(1 for _ in sympy.preorder_traversal(expr))


def real(value: sympy.Expr) -> float | None:
    """A sympy number as a float when it is a finite real one."""
    try:
        number = complex(value)
    except (TypeError, ValueError):  # not a number: an unevaluated part
        return None
    if not cmath.isfinite(number) or abs(number.imag) > 1e-20 * max(1.0, abs(number.real)):
        return None
    return number.real


def with_mpmath(expr: sympy.Expr) -> Callable[[float, float], object]:
    """expr as sympy evaluates it with mpmath: another printer than the compiled numpy code, 30 digits."""
    function = sympy.lambdify((X, Y), expr, modules=[{"RealAbs": mpmath.fabs, "RealSign": mpmath.sign}, "mpmath"])

    def at(px: float, py: float) -> object:
        with mpmath.workdps(30):
            return function(mpmath.mpf(px), mpmath.mpf(py))

    return at


def at(function: Callable[[float, float], object], px: float, py: float) -> float | None:
    """The function at (px, py), or None where it is not a finite real number or is ill-conditioned
    (a relative change of 1e-13 in x and y moves it by more than 1e-9: float64 cannot be compared there)."""
    try:
        values = [real(function(a, b)) for a, b in ((px, py), (px * (1 + 1e-13), py * (1 - 1e-13)))]
    except (ArithmeticError, ValueError):  # mpmath divides by zero where numpy gives inf
        return None
    if values[0] is None or values[1] is None or abs(values[0] - values[1]) > 1e-9 * max(1.0, abs(values[0])):
        return None
    return values[0]


POINTS = [(0.7, -0.3), (-1.3, 0.45), (1.9, 1.1), (0.35, 2.2)]


@PROPERTY
@given(formulas(max_leaves=8))
def test_an_accepted_formula_compiles_to_what_sympy_means(text: str) -> None:
    try:
        surface = resolve_custom(text)  # parse and compile, as the API does
    except InvalidInput:
        return
    expr = parse_expression(text)
    gradient = [sympy.diff(expr, v) for v in (X, Y)]  # sympy's own derivatives, not the compiled ones
    sizes = derivative_sizes(text)
    for derived, bound in zip(
        [*gradient, *symbolic.derivatives(expr)[2:]], [*sizes.gradient, *sizes.hessian], strict=True
    ):
        assert derived == 0 or nodes(derived) <= bound, f"{text}: {derived}"
    exact = [with_mpmath(e) for e in (expr, *gradient)]
    for px, py in POINTS:
        with np.errstate(all="ignore"):
            outputs = surface.functions.value_and_grad(np.array([px]), np.array([py]))
        assert not any(np.iscomplexobj(v) for v in outputs), text
        compiled = [float(np.ravel(v)[0]) for v in outputs]
        for function, got in zip(exact, compiled, strict=True):
            # Only where numpy is finite: it is nan where an intermediate is complex (√x at x < 0) even when
            # sympy's value is real again (cos(√x) = cosh(√−x)).
            want = at(function, px, py) if math.isfinite(got) else None
            if want is not None:
                assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9), f"{text} at ({px}, {py})"


def with_other_constants(text: str, rng: random.Random) -> str:
    """The formula with every number replaced by another nonzero one."""

    class Replace(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.Constant:
            return ast.Constant(rng.choice([1, 2, 3, 9, 0.5, 2.5, 0.125]))

    tree = Replace().visit(ast.parse(text.replace("^", "**"), mode="eval"))
    return ast.unparse(tree)


def decision(text: str) -> str:
    try:
        parse_expression(text)
    except InvalidInput as refusal:
        return refusal.message
    return "accepted"


@PROPERTY
@given(formulas(max_leaves=40), st.randoms(use_true_random=False))
def test_the_decision_depends_on_the_formula_alone_and_not_on_its_constants(text: str, rng: random.Random) -> None:
    first = decision(text)
    assert decision(text) == first  # no memory of earlier answers, no clock
    other = with_other_constants(text, rng)
    assume(len(other) <= MAX_LENGTH)
    assert derivative_sizes(other) == derivative_sizes(text)
    assert ("too complex" in decision(other)) == ("too complex" in first), other
    # Otherwise only a constant's own value may decide: 1/(2 - 2), log(1 - 3), 9**9**9**9, (1 - 3)**x.
    if first == "accepted" and (refusal := decision(other)) != "accepted":
        assert any(word in refusal for word in ("zero", "finite", "overflow", "exact", "negative")), refusal


NEAR_MISSES = [
    "(",
    ")",
    "**",
    "*",
    ",",
    ".",
    "[0]",
    "'",
    "_",
    "lambda ",
    "x.",
    "sin",
    "__import__",
    " if ",
    "1e999",
    "j",
]


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    """A formula with a few pieces of Python cut out or pasted in."""
    text = draw(formulas(max_leaves=12))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:where] + draw(st.sampled_from(NEAR_MISSES)) + text[where:]
        else:
            text = text[:where] + text[where + draw(st.integers(1, 3)) :]
    return text


@settings(PROPERTY, max_examples=150)
@given(st.text(max_size=MAX_LENGTH + 20) | near_misses())
def test_any_text_is_accepted_or_refused_with_invalid_input(text: str) -> None:
    try:
        parse_expression(text, "surface.expression")
    except InvalidInput as refusal:
        assert refusal.field == "surface.expression" and refusal.message


def new_formulas(count: int) -> list[str]:
    """Formulas no cache of this process has seen; deep, for CPython 3.11's ast.parse miscounts its
    recursion when two threads convert trees at once."""
    salt = random.Random().randrange(10**9)
    deep = "(x + " * 30 + "y" + ")" * 30
    return [f"sin({salt}*x + {i}*y**2)*exp(-x*y/{i + 1}) + {deep}" for i in range(count)]


def test_eight_threads_parse_and_compile_distinct_new_formulas_at_once() -> None:
    jobs = [lambda text=text: resolve_custom(text).functions.value_and_grad(0.5, 0.5) for text in new_formulas(8)]
    assert run_together(jobs) == []


def test_eight_threads_compiling_the_same_new_formula_all_get_it() -> None:
    (text,) = new_formulas(1)
    surfaces: list[object] = []
    assert run_together([lambda: surfaces.append(resolve_custom(text))] * 8) == []
    assert len(surfaces) == 8


def run_together(jobs: list[Callable[[], object]]) -> list[BaseException]:
    """Each job in its own thread, all released at the same moment; the exceptions they raised."""
    start, errors = threading.Barrier(len(jobs)), []

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # any of them is the failure this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def builtin_text(name: str) -> str:
    spec = SURFACES[name]
    defaults = {sympy.Symbol(k, real=True): v for k, v in spec.params.items()}
    return sympy.sstr(spec.formula.subs(defaults)).replace("E", "e")  # sympy writes Euler's number E


# Formulas where sympy's derivatives grow fastest for their length, and every built-in surface.
TABLE = [
    *(builtin_text(name) for name, spec in SURFACES.items() if isinstance(spec, SurfaceDef)),
    "exp(x*" * 8 + "y" + ")" * 8,
    "sin(" * 12 + "x*y" + ")" * 12,
    "x**x**x**x**x**y",
    "(x+y)**((x+y)**((x+y)**(x*y)))",
    "*".join(f"(x+{i}*y+{i + 1})" for i in range(1, 9)),
    "*".join(f"sin(x+{i}*y)" for i in range(1, 8)),
    "/".join(f"(x+{i}*y)" for i in range(1, 7)),
    "+".join(f"{i}*x**{i % 5}*y**{(i * 3) % 5}" for i in range(1, 24)),
    "(" + "+".join(f"{i}*x**{i % 4}*y**{(i + 1) % 4}" for i in range(1, 20)) + ")**2",
    "sqrt(x**2+y*" * 6 + "1" + ")" * 6,
    "log(1+x**2+" * 8 + "y**2" + ")" * 8,
    "abs(x-" * 10 + "y" + ")" * 10,
    "tanh(x+y*" * 7 + "x" + ")" * 7,
    "(x*y+" * 6 + "x" + ")**3" * 6,
    "abs(log(x))*(sqrt(x)-1)**1.5/(x**pi+y**e)",
    "(2*x*y)**3*(x*y)**0.5*(4*x)**pi",
]


@pytest.mark.parametrize("text", TABLE, ids=[t[:40] for t in TABLE])
def test_the_bound_is_above_what_sympy_builds(text: str) -> None:
    sizes = derivative_sizes(text)
    assert sum(sizes.hessian) <= MAX_DERIVATIVE_OPERATIONS  # every one of them is accepted
    expr = parse_expression(text)
    derived = symbolic.derivatives(expr)
    for exact, bound in zip([expr, *derived], [sizes.value, *sizes.gradient, *sizes.hessian], strict=True):
        assert exact == 0 or max(sympy.count_ops(exact), nodes(exact)) <= bound
