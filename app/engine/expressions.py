"""Safe parsing of user formulas in x and y into sympy expressions.

The text is parsed by `ast` and every node is checked against an allow-list
before anything is built; the sympy tree is then built node by node (never by
`eval` or `sympify` of the text). Constant sub-expressions are evaluated in
float64 on the way, so `9**9**9**9` or `exp(exp(99))` is refused before sympy
could spend unbounded time on exact big numbers.
"""

from __future__ import annotations

import ast
import cmath
import math
from collections.abc import Callable

import sympy

from .errors import InvalidInput

MAX_LENGTH = 300
MAX_DEPTH = 40

X, Y = sympy.symbols("x y", real=True)

_FUNCTIONS: dict[str, tuple[Callable[[sympy.Expr], sympy.Expr], Callable[[complex], complex]]] = {
    "sin": (sympy.sin, cmath.sin),
    "cos": (sympy.cos, cmath.cos),
    "tan": (sympy.tan, cmath.tan),
    "exp": (sympy.exp, cmath.exp),
    "log": (sympy.log, cmath.log),
    "sqrt": (sympy.sqrt, cmath.sqrt),
    "abs": (sympy.Abs, abs),
    "tanh": (sympy.tanh, cmath.tanh),
    "sinh": (sympy.sinh, cmath.sinh),
    "cosh": (sympy.cosh, cmath.cosh),
    "atan": (sympy.atan, cmath.atan),
}
_NAMES: dict[str, tuple[sympy.Expr, complex | None]] = {
    "x": (X, None),
    "y": (Y, None),
    "pi": (sympy.pi, math.pi),
    "e": (sympy.E, math.e),
}
_BINARY = {
    ast.Add: (lambda a, b: a + b),
    ast.Sub: (lambda a, b: a - b),
    ast.Mult: (lambda a, b: a * b),
    ast.Div: (lambda a, b: a / b),
    ast.Pow: (lambda a, b: a**b),
}
_UNARY = {ast.UAdd: (lambda a: a), ast.USub: (lambda a: -a)}

# A node is a sympy expression plus, when it is constant, its float64 value.
_Node = tuple[sympy.Expr, complex | None]


def parse_expression(text: str, field: str = "expression") -> sympy.Expr:
    """Parse `text` (in x and y) into a real-valued sympy expression, or raise InvalidInput."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(field, "is empty")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(field, f"is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise InvalidInput(field, f"is not a valid formula ({_reason(exc)})") from None
    expr, _ = _Builder(field).build(tree.body, 0)
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        raise InvalidInput(field, "contains a value that is not a finite real number")
    return expr


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError) and exc.msg:
        return exc.msg
    return "too deeply nested" if isinstance(exc, (MemoryError, RecursionError)) else str(exc)


class _Builder:
    """Turns an allow-listed Python AST into sympy, one node at a time."""

    def __init__(self, field: str) -> None:
        self.field = field

    def fail(self, why: str) -> InvalidInput:
        return InvalidInput(self.field, why)

    def build(self, node: ast.AST, depth: int) -> _Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            if node.id not in _NAMES:
                allowed = ", ".join(sorted(_NAMES))
                raise self.fail(f"uses the unknown name '{node.id}' (allowed: {allowed})")
            return _NAMES[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            # A long sum or product is a flat chain to a reader: only its
            # right-hand operands and powers count as nesting.
            chained = not isinstance(node.op, ast.Pow)
            left = self.build(node.left, depth if chained else depth + 1)
            right = self.build(node.right, depth + 1)
            return self.combine(_BINARY[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return self.combine(_UNARY[type(node.op)], self.build(node.operand, depth + 1))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(f"uses {_describe(node)}, which is not allowed in a formula")

    def constant(self, value: object) -> _Node:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"uses the literal {value!r}; only real numbers are allowed")
        if isinstance(value, int) and value.bit_length() > 64:
            raise self.fail("uses an integer literal that is too large")
        if not math.isfinite(value):
            raise self.fail("uses a number that is not finite")
        exact = sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)
        return exact, complex(value)

    def call(self, node: ast.Call, depth: int) -> _Node:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            allowed = ", ".join(sorted(_FUNCTIONS))
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise self.fail(f"calls '{name}', which is not an allowed function ({allowed})")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(f"'{node.func.id}' takes exactly one argument")
        symbolic, numeric = _FUNCTIONS[node.func.id]
        argument = self.build(node.args[0], depth + 1)
        return self.combine(symbolic, argument, numeric=numeric)

    def combine(
        self,
        op: Callable[..., sympy.Expr],
        *args: _Node,
        numeric: Callable[..., complex] | None = None,
    ) -> _Node:
        """Apply `op`; constant arguments are first evaluated in float64 to bound the work."""
        value: complex | None = None
        if all(v is not None for _, v in args):
            value = self.evaluate(numeric or op, [v for _, v in args])
        return op(*(e for e, _ in args)), value

    def evaluate(self, op: Callable[..., complex], values: list[complex | None]) -> complex:
        try:
            result = complex(op(*values))
        except ZeroDivisionError:
            raise self.fail("divides by zero") from None
        except (OverflowError, ValueError):
            raise self.fail("has a constant part that overflows float64") from None
        if not cmath.isfinite(result) or abs(result.imag) > 1e-12 * max(1.0, abs(result.real)):
            raise self.fail("has a constant part that is not a finite real number")
        return complex(result.real)


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripts",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.IfExp: "a conditional",
        ast.NamedExpr: "an assignment",
        ast.JoinedStr: "a string",
    }
    for kind, text in kinds.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    return f"a {type(node).__name__} expression"
