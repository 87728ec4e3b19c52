"""The formula sandbox: what parses, what is refused (and why), and that nothing refused ever runs."""

from __future__ import annotations

import builtins
import math
import time
from pathlib import Path

import numpy as np
import pytest
import sympy

from gdviz.engine import symbolic
from gdviz.engine.errors import InvalidInput
from gdviz.engine.expressions import (
    MAX_DERIVATIVE_OPERATIONS,
    MAX_LENGTH,
    X,
    Y,
    derivative_sizes,
    parse_expression,
)
from gdviz.engine.surfaces import resolve_custom

# name in formulas → numpy's version, to check each function means what it says.
FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "atan": np.arctan,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x**2 + 3*y**2", X**2 + 3 * Y**2),
        ("x^2", X**2),
        ("x^2 + y^3", X**2 + Y**3),
        ("pi", sympy.pi),
        ("e", sympy.E),
        ("e**x * pi", sympy.pi * sympy.exp(X)),
        ("-x + +y - 1.5", -X + Y - sympy.Float(1.5)),
        ("(x - 1)**2 / (y**2 + 1)", (X - 1) ** 2 / (Y**2 + 1)),
        ("  x * y  ", X * Y),
    ],
)
def test_valid_formulas_parse(text: str, expected: sympy.Expr) -> None:
    assert sympy.simplify(parse_expression(text) - expected) == 0


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_allowed_function_parses_and_means_what_it_says(name: str) -> None:
    surface = resolve_custom(f"{name}(x/4 + 0.5) + y")  # argument in [0.125, 1.25]: every one is defined
    x = np.linspace(-1.5, 3.0, 11)
    y = np.linspace(-1.0, 1.0, 11)
    f, fx, fy = (np.broadcast_to(v, x.shape) for v in surface.functions.value_and_grad(x, y))
    # sympy folds constants (exp(x/4 + 0.5) = 1.6487…·exp(x/4)): rounding differs by an ulp or two.
    np.testing.assert_allclose(f, FUNCTIONS[name](x / 4 + 0.5) + y, rtol=1e-14)
    np.testing.assert_allclose(fy, 1.0)
    h = 1e-6
    slope = (FUNCTIONS[name]((x + h) / 4 + 0.5) - FUNCTIONS[name]((x - h) / 4 + 0.5)) / (2 * h)
    np.testing.assert_allclose(fx, slope, rtol=1e-6, atol=1e-9)


def test_variables_are_real() -> None:
    # With complex x, d|x|/dx would not simplify to sign(x).
    surface = resolve_custom("abs(x) + sqrt(x**2)")
    _, fx, _ = surface.functions.value_and_grad(np.array([-2.0, 3.0]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(fx, [-2.0, 2.0])


# text → a word the refusal must contain (the reason it gives).
REFUSALS = {
    "().__class__": "attribute",
    "x.real": "attribute",
    "(1).__class__.__bases__": "attribute",
    "__import__": "unknown name",
    "__builtins__": "unknown name",
    "lambda: 1": "lambda",
    "(lambda x: x)(1)": "not an allowed function",
    "[x for x in (1, 2)]": "comprehension",
    "{x for x in y}": "comprehension",
    "sum(x for x in y)": "not an allowed function",
    "'abc'": "literal",
    "b'abc'": "literal",
    "f'{x}'": "string",
    "x[0]": "subscript",
    "sin(x=1)": "one argument",
    "sin(x, y)": "one argument",
    "sin(*x)": "one argument",
    "eval('1')": "eval",
    "open('/etc/passwd')": "open",
    "x if y else 1": "conditional",
    "x < y": "comparison",
    "(x := 1)": "assignment",
    "x // y": "FloorDiv",
    "x % 2": "Mod",
    "True": "literal",
    "9**9**9**9": "overflow",
    "10**10**10": "overflow",
    "x**(9**9**9)": "overflow",
    "exp(exp(exp(10)))": "overflow",
    "(x/4)**(2**62)": "exact numbers",  # sympy would compute 4**(2**62) exactly
    "(1/7)**(2**62)": "exact numbers",  # 0.0 in float64, but not exactly
    "(2*x)**100000": "exact numbers",
    "cos(pi)**x": "negative number to a variable power",
    "exp(x*" * 12 + "y" + ")" * 12: "too complex",
    "x**x**x**x**x**x**x**x**x**x**y": "too complex",
    "1e400": "not finite",
    "x" * (MAX_LENGTH + 1): f"longer than {MAX_LENGTH}",
    "1/0": "divides by zero",
    "log(-1)": "not a finite real number",
    "sqrt(-1)": "not a finite real number",
    "x + 1/0": "divides by zero",
    "": "empty",
    "x +": "not a valid formula",
}


@pytest.fixture
def no_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything calls eval or exec while it runs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec was called")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)


@pytest.mark.parametrize("text", list(REFUSALS), ids=[t[:30] or "empty" for t in REFUSALS])
def test_attacks_and_nonsense_are_refused_with_a_reason(text: str, no_eval: None) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        parse_expression(text, "surface.expression")
    elapsed = time.perf_counter() - started
    assert caught.value.field == "surface.expression"
    assert REFUSALS[text].lower() in caught.value.message.lower(), caught.value.message
    assert elapsed < 1.0, f"refusing {text[:30]!r} took {elapsed:.2f} s"


def test_a_shell_command_never_runs(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {target}')",
        f"().__class__.__base__.__subclasses__()[0]('touch {target}')",
        f"exec(\"__import__('os').system('touch {target}')\")",
    ]
    for text in attacks:
        with pytest.raises(InvalidInput):
            resolve_custom(text)
        with pytest.raises(InvalidInput):
            parse_expression(text)
    assert not target.exists()


def test_a_power_tower_is_refused_quickly() -> None:
    # A hang guard, not a speed test: exact 9**9**9**9 would never finish.
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        resolve_custom("9**9**9**9")
    assert time.perf_counter() - started < 1.0
    assert caught.value.field == "surface.expression"


def test_valid_formulas_run_no_eval_while_parsing(no_eval: None) -> None:
    parse_expression("sin(x)**2 + exp(-y) * pi - e^2")


def test_the_length_limit_is_exact() -> None:
    text = "x" + "+x" * ((MAX_LENGTH - 1) // 2)
    assert len(text) <= MAX_LENGTH
    parse_expression(text)
    with pytest.raises(InvalidInput):
        parse_expression(text + " +1")


def test_constant_folding_keeps_exact_values() -> None:
    # Checked in float64 on the way, but built exactly: 2**0.5 stays √2.
    assert parse_expression("2**(1/2) * x") == sympy.sqrt(2) * X
    assert math.isclose(float(parse_expression("exp(2) - 1")), math.e**2 - 1)


def test_a_formula_too_complex_to_differentiate_says_how_much_and_the_limit() -> None:
    nested = "exp(x*" * 9 + "y" + ")" * 9
    operations = sum(derivative_sizes(nested).hessian)
    assert operations > MAX_DERIVATIVE_OPERATIONS
    with pytest.raises(InvalidInput) as caught:
        parse_expression(nested)
    spaced = f"{operations:,}".replace(",", " ")
    limit = f"{MAX_DERIVATIVE_OPERATIONS:,}".replace(",", " ")
    assert caught.value.message == (
        f"is too complex: its second derivatives would need about {spaced} operations (limit {limit})"
    )


def test_the_bound_reads_the_shape_and_not_the_constants() -> None:
    assert derivative_sizes("exp(2.5*x*exp(7*y)) + 1") == derivative_sizes("exp(3*x*exp(pi*y)) + 1e-3")
    assert derivative_sizes("x**2") == derivative_sizes("x**0.5") == derivative_sizes("x**e")


@pytest.mark.parametrize(
    ("text", "x", "slope"),
    [
        ("abs(log(x))", 0.5, -2.0),  # sympy cannot tell log(x) is real; its Abs would write re() and im()
        ("abs(sqrt(x) - 2)", 1.0, -0.5),
        ("abs(exp(sqrt(x)) - 3)", 1.0, -math.e / 2),
    ],
)
def test_abs_of_what_sympy_cannot_prove_real_derives_as_sign_times_slope(text: str, x: float, slope: float) -> None:
    surface = resolve_custom(f"{text} + y")
    _, fx, _ = surface.functions.value_and_grad(np.array([x]), np.array([0.0]))
    np.testing.assert_allclose(fx, slope, rtol=1e-12)
    assert str(parse_expression(text)).startswith("Abs(")


def test_numbers_float64_cannot_hold_compile_to_their_float64_value() -> None:
    # numpy cannot take a Python int past 2**63 in sin() nor past float64's range in a product.
    surface = resolve_custom("sin(9223372036854775807*3)*x + (2**40*y)**30")
    value, fx, fy = surface.functions.value_and_grad(np.array([1.0]), np.array([1.0]))
    assert fx == pytest.approx(math.sin(3 * 9223372036854775807))
    assert np.isinf(value) and np.isinf(fy)


def test_hyperbolic_functions_of_what_sympy_cannot_prove_real_are_built_quickly() -> None:
    # A hang guard: sympy's own sinh, asked "real?", reduces the imaginary part of its argument modulo π
    # (polynomial gcds): 1.7 to 2.5 s for this formula, 0.03 s now.
    text = (
        "atan(sinh(((sin(cos(abs((x**3))))*(-((x**3)/(x**pi))+(y+(x+sinh(y))+((0.5*1)+(e+6)))))*(pi+x+cosh(e)"
        "+(((atan(x)-tanh(e))+((pi*pi)*abs(x))+((5*pi)+(x*2.5))+((y*e)-(y*pi))+(pi**x))+(sin((x*e))"
        "+((pi*x*pi)**y)+exp((x*pi))))+y))))"
    )
    started = time.perf_counter()
    resolve_custom(text)
    assert time.perf_counter() - started < 1.0


def test_a_formula_sympy_fails_on_is_refused_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(expr: sympy.Expr) -> None:
        raise TypeError("Invalid comparison of non-real log(tanh(exp(E)))")  # one of sympy's, reached by a formula

    monkeypatch.setattr(symbolic, "derivatives", fail)
    expr = parse_expression("x*y + 12345")  # new to the compile cache
    with pytest.raises(InvalidInput) as caught:
        symbolic.compile_expression(expr, trusted=False, field="surface.expression")
    assert caught.value.field == "surface.expression" and "could not be differentiated" in caught.value.message
    with pytest.raises(TypeError):
        symbolic.compile_expression(expr)  # a built-in that fails is a bug, not bad input
