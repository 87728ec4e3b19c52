"""The formula sandbox: what parses, what is refused (and why), and that nothing refused ever runs."""

from __future__ import annotations

import builtins
import math
import time
from pathlib import Path

import numpy as np
import pytest
import sympy

from gdviz.engine.errors import InvalidInput
from gdviz.engine.expressions import MAX_LENGTH, X, Y, parse_expression
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
