"""Safe parsing of user formulas in x and y into sympy, refused when their derivatives would cost too much.

The text is parsed by `ast` (under a lock: CPython 3.11's `ast.parse` is not safe to call from several
threads at once) and read in two passes before sympy differentiates anything:

1. the shape: every node is checked against an allow-list, and the sizes of the value, the gradient and
   the Hessian are bounded from above as the differentiation rules would build them (`_Cost`). This pass
   reads no constant's value, so the decision depends on the formula alone: the same on every worker,
   under any load, and the same for formulas that differ only in their constants.
2. the values: the sympy tree is built node by node (never by `eval` or `sympify` of the text). Constant
   sub-expressions are evaluated in float64 on the way and exact powers are sized before sympy computes
   them, so `9**9**9**9`, `exp(exp(99))` or `(x/4)**(2**62)` is refused before sympy could spend
   unbounded time on exact big numbers.
"""

from __future__ import annotations

import ast
import cmath
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import sympy

from .errors import InvalidInput

MAX_LENGTH = 300
MAX_DEPTH = 40
# The bound of the three second derivatives, in nodes. Sympy's time grows with the size of what it builds,
# so this limit, not a clock, keeps every compile short: measured alone on the 2-core development machine,
# the costliest accepted formulas (exp(x*y*exp(x*y*…)) 7 deep; 9 000 random ones) compile in 0.5 s at most,
# the built-in surfaces need at most 13 000 (Goldstein–Price), the textbook ones at most 27 000.
MAX_DERIVATIVE_OPERATIONS = 40_000
# Exact rationals (numerators and denominators, in bits) that sympy may have to compute: (x/4)**(2**62)
# would otherwise hang in sympy before any other limit is looked at.
MAX_EXACT_BITS = 2048

X, Y = sympy.symbols("x y", real=True)

# Not thread-safe in CPython 3.11 (the AST converter's recursion counter is shared between threads).
_PARSE_LOCK = threading.Lock()


class RealAbs(sympy.Function):
    """|g| for a g that is real wherever the formula is defined: ∂|g| = sign(g)·∂g.

    Sympy's Abs proves g real first; when it cannot (|log x|, |√x − 1|, |exp(√y)|) it rewrites |g| with
    re(g) and im(g), which can grow large and whose derivatives stay unevaluated, uncompilable.
    """

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:  # sympy's evaluation hook on sympy objects, not Python's eval
        if arg.is_Number:
            return abs(arg)
        if arg.is_extended_nonnegative:
            return arg
        if arg.is_extended_nonpositive:
            return -arg
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return RealSign(self.args[0])

    def _sympystr(self, printer: sympy.printing.str.StrPrinter) -> str:
        return f"Abs({printer._print(self.args[0])})"


class RealSign(sympy.Function):
    """sign(g) for a real g. Its derivative 2δ(g)·∂g is taken as 0: |θ| adds nothing to the Hessian,
    and the delta has no numpy meaning anyway."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:  # sympy's evaluation hook, as above
        if arg.is_Number or arg.is_extended_positive or arg.is_extended_negative or arg.is_zero:
            return sympy.sign(arg)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero

    def _sympystr(self, printer: sympy.printing.str.StrPrinter) -> str:
        return f"sign({printer._print(self.args[0])})"


class _RealArgument:
    """Realness of a hyperbolic function from its argument's realness alone.

    Sympy's own sinh, cosh and tanh answer "is it real?" by writing the argument as re + i·im and
    reducing im modulo π: for an argument it cannot prove real (tanh(x**1.5·…)) that means polynomial
    gcds for seconds, out of reach of any bound on sizes. Answering "unknown" there is sound, and free.
    """

    args: tuple[sympy.Expr, ...]

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real or None

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real or None


# Named as sympy's so that every printer finds numpy's function; their derivatives stay in this family.
class sinh(_RealArgument, sympy.sinh):
    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return cosh(self.args[0])


class cosh(_RealArgument, sympy.cosh):
    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sinh(self.args[0])

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_extended_real or None

    def _eval_is_nonnegative(self) -> bool | None:
        return self.args[0].is_extended_real or None


class tanh(_RealArgument, sympy.tanh):
    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return 1 - tanh(self.args[0]) ** 2

    def _eval_is_finite(self) -> bool | None:
        return self.args[0].is_extended_real or None


_FUNCTIONS: dict[str, tuple[Callable[[sympy.Expr], sympy.Expr], Callable[[complex], complex]]] = {
    "sin": (sympy.sin, cmath.sin),
    "cos": (sympy.cos, cmath.cos),
    "tan": (sympy.tan, cmath.tan),
    "exp": (sympy.exp, cmath.exp),
    "log": (sympy.log, cmath.log),
    "sqrt": (sympy.sqrt, cmath.sqrt),
    "abs": (RealAbs, abs),
    "tanh": (tanh, cmath.tanh),
    "sinh": (sinh, cmath.sinh),
    "cosh": (cosh, cmath.cosh),
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

# A built node: the sympy expression and, when it is constant, its float64 value.
_Node = tuple[sympy.Expr, complex | None]


def parse_expression(text: str, field: str = "expression") -> sympy.Expr:
    """Parse `text` (in x and y) into a real-valued sympy expression, or raise InvalidInput."""
    tree = _parse(text, field)
    operations = sum(_measure(tree, field).hessian)
    if operations > MAX_DERIVATIVE_OPERATIONS:
        raise InvalidInput(
            field,
            f"is too complex: its second derivatives would need about {_spaced(operations)} operations "
            f"(limit {_spaced(MAX_DERIVATIVE_OPERATIONS)})",
        )
    builder = _Builder(field)
    expr, _ = builder.build(tree)
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        raise InvalidInput(field, "contains a value that is not a finite real number")
    builder.check_exact(exact_bits(expr))
    return expr


def derivative_sizes(text: str, field: str = "expression") -> Sizes:
    """Bounds of what differentiating `text` builds; they depend on its shape, never on its constants."""
    return _measure(_parse(text, field), field)


def _parse(text: str, field: str) -> ast.expr:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(field, "is empty")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(field, f"is longer than {MAX_LENGTH} characters")
    try:
        with _PARSE_LOCK:
            return ast.parse(text.replace("^", "**").strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise InvalidInput(field, f"is not a valid formula ({_reason(exc)})") from None


def _measure(tree: ast.expr, field: str) -> Sizes:
    cost = _Shape(field).measure(tree, 0)
    return Sizes(cost.size, cost.grad, cost.hess)


def exact_bits(expr: sympy.Expr) -> int:
    """Bits of the exact rationals in `expr` (numerators and denominators): what powers of it multiply."""
    return sum(_bits(r.p) + _bits(r.q) for r in expr.atoms(sympy.Rational))


def _bits(n: int) -> int:
    # ⌈log2 |n|⌉: 1 and -1 cost nothing when raised to a power.
    return (abs(n) - 1).bit_length()


def _spaced(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError) and exc.msg:
        return exc.msg
    return "too deeply nested" if isinstance(exc, (MemoryError, RecursionError)) else str(exc)


# -- Pass 1: the shape ---------------------------------------------------------------------------------------


class Sizes(NamedTuple):
    """Upper bounds, in nodes, of a formula's value, first and second derivatives as sympy builds them."""

    value: int
    gradient: tuple[int, int]  # ∂/∂x, ∂/∂y
    hessian: tuple[int, int, int]  # ∂²/∂x², ∂²/∂x∂y, ∂²/∂y²


@dataclass(frozen=True)
class _Cost:
    """Upper bounds of the trees sympy builds for f and its derivatives, with what the next rule needs.

    Sympy flattens products, so ∂(abc) has one term per factor, each holding all the other factors, and
    a derivative that is itself a product (∂ sin(g) = cos(g)·∂g) is spread into the terms of the next
    derivative: `factors` counts its factors. Every term of a sum is given room for a numeric coefficient,
    because sympy distributes numbers over sums (2(a + b) is 2a + 2b).
    """

    size: int
    grad: tuple[int, int]  # 0 where f does not depend on that variable
    hess: tuple[int, int, int]
    factors: tuple[int, int] = (1, 1)  # of ∂f/∂x and ∂f/∂y, once flattened into a product
    parts: tuple[_Cost, ...] = ()  # the factors sympy may split f into (a product, or a power of one)

    @property
    def atoms(self) -> int:
        return max(1, len(self.parts))


_PAIRS = ((0, 0, 0), (1, 0, 1), (2, 1, 1))  # (Hessian entry, first variable, second variable): fxy = ∂y fx
_NUMBER = _Cost(1, (0, 0), (0, 0, 0))


def _per_variable(rule: Callable[[int], int]) -> tuple[int, int]:
    return rule(0), rule(1)


def _per_entry(rule: Callable[[int, int, int], int]) -> tuple[int, int, int]:
    """`rule(entry, u, v)` for the entries that depend on both variables (0 for the others is the rule's job)."""
    xx, xy, yy = (rule(*pair) for pair in _PAIRS)
    return xx, xy, yy


def _leaf(name: str) -> _Cost:
    return _Cost(1, (int(name == "x"), int(name == "y")), (0, 0, 0))


def _sum(terms: list[_Cost]) -> _Cost:
    def total(values: list[int]) -> int:
        return sum(v + 3 for v in values if v)  # + a coefficient, its product and the sum's +

    return _Cost(
        sum(t.size + 3 for t in terms),
        _per_variable(lambda u: total([t.grad[u] for t in terms])),
        _per_entry(lambda i, u, v: total([t.hess[i] for t in terms])),
        _per_variable(lambda u: _lone_factors([t for t in terms if t.grad[u]], u)),
    )


def _lone_factors(dependent: list[_Cost], u: int, others: int = 0) -> int:
    """Factors of a derivative that is a single product (one atom depends on u); a sum counts as one."""
    if sum(c.atoms for c in dependent) != 1:
        return 1
    return others + dependent[0].factors[u]


def _product(children: list[_Cost]) -> _Cost:
    atoms = sum(c.atoms for c in children)
    size = sum(c.size for c in children) + atoms + 1  # the factors, their products and a coefficient

    def others(c: _Cost) -> int:  # what multiplies one atom of c (all of c when sympy may split it)
        return size - c.size if c.atoms == 1 else size

    def grad(u: int) -> int:
        # One term per atom: all the other factors times the atom's derivative.
        return sum(c.atoms * (others(c) + c.factors[u] + 3) + c.grad[u] for c in children if c.grad[u])

    def hess(i: int, u: int, v: int) -> int:
        on_v = sum(c.atoms for c in children if c.grad[v])
        grad_v = sum(c.grad[v] for c in children)
        factors_v = max(c.factors[v] for c in children)
        total = 0
        for c in children:
            if not c.grad[u]:
                continue
            term = others(c) + c.grad[u] + c.factors[u]  # one term of ∂f/∂u
            # Its derivative: each factor that depends on v in turn, then the atom's own second
            # derivative, one term per factor of its first one, each times the other factors.
            own = c.factors[u] * (others(c) + 4) + c.hess[i] if c.hess[i] else 0
            total += c.atoms * (on_v * (term + factors_v + 3) + grad_v) + own
        return total

    factors = _per_variable(lambda u: _lone_factors([c for c in children if c.grad[u]], u, atoms - 1))
    return _Cost(size, _per_variable(grad), _per_entry(hess), factors, tuple(children))


def _spread(whole: _Cost, base: _Cost, rule: Callable[[_Cost], _Cost]) -> _Cost:
    """`whole`, or the product of `rule` applied to each factor of `base`, whichever is larger:
    sympy splits (2xy)² into 4x²y² but keeps √(xy) whole, and which one it does depends on the constants."""
    if not base.parts:
        return whole
    split = _product([rule(p) for p in base.parts])
    return _Cost(
        max(whole.size, split.size),
        _per_variable(lambda u: max(whole.grad[u], split.grad[u])),
        _per_entry(lambda i, u, v: max(whole.hess[i], split.hess[i])),
        _per_variable(lambda u: max(whole.factors[u], split.factors[u])),
        split.parts,
    )


def _function(a: _Cost) -> _Cost:
    """φ(a) for every allowed φ: φ′(a) is one factor of at most |a| + 6 nodes (1/(a² + 1) for atan) and
    ∂φ′(a) at most 2|a| + 10 nodes besides ∂a (−2a/(a² + 1)²·∂a)."""

    def hess(i: int, u: int, v: int) -> int:
        if not (a.grad[u] and a.grad[v]):
            return 0
        chain = 2 * a.size + a.grad[u] + a.grad[v] + a.factors[u] + a.factors[v] + 14  # φ″(a)·∂a·∂a
        inner = a.factors[u] * (a.size + a.factors[u] + 10) + a.hess[i] if a.hess[i] else 0  # φ′(a)·∂²a
        return chain + inner + 3 * (1 + a.factors[u])

    return _Cost(
        a.size + 3,
        _per_variable(lambda u: a.size + a.grad[u] + a.factors[u] + 9 if a.grad[u] else 0),
        _per_entry(hess),
        _per_variable(lambda u: 1 + a.factors[u]),
    )


def _power(base: _Cost, exponent: _Cost) -> _Cost:
    whole = _constant_power(base, exponent) if exponent.grad == (0, 0) else _variable_power(base, exponent)
    return _spread(whole, base, lambda p: _power(p, exponent))


def _constant_power(b: _Cost, c: _Cost) -> _Cost:
    """b**c, c constant: ∂ = c·b**c·b**−1·∂b (sympy merges the powers only when c is a number)."""

    def hess(i: int, u: int, v: int) -> int:
        if not (b.grad[u] and b.grad[v]):
            return 0
        # ∂ of b**c and of b**−1: each term holds b three times, c three times, ∂b twice.
        outer = 5 * c.size + 5 * b.size + 2 * (b.grad[u] + b.grad[v] + b.factors[u] + b.factors[v]) + 26
        inner = b.factors[u] * (2 * c.size + 2 * b.size + b.factors[u] + 8) + b.hess[i] if b.hess[i] else 0
        return outer + inner + 3 * (2 + b.factors[u])

    return _Cost(
        b.size + c.size + 3,
        _per_variable(lambda u: 2 * c.size + 2 * b.size + b.grad[u] + b.factors[u] + 7 if b.grad[u] else 0),
        _per_entry(hess),
        _per_variable(lambda u: 3 + b.factors[u]),
    )


def _variable_power(b: _Cost, g: _Cost) -> _Cost:
    """b**g: ∂ = b**g·(∂g·log(b) + g·∂b/b)."""
    size = b.size + g.size + 3

    def depends(u: int) -> bool:
        return bool(b.grad[u] or g.grad[u])

    def inner(u: int) -> int:  # ∂g·log(b) + g·∂b/b
        return g.grad[u] + b.grad[u] + 2 * b.size + g.size + g.factors[u] + b.factors[u] + 12

    def hess(i: int, u: int, v: int) -> int:
        if not (depends(u) and depends(v)):
            return 0
        spread = g.factors[u] + b.factors[u]
        inner_v = (  # ∂/∂v of ∂g·log(b) + g·∂b/b, term by term
            g.hess[i]
            + b.hess[i]
            + spread * (g.size + b.size + 5)
            + 2 * (g.grad[u] + g.grad[v] + b.grad[u] + b.grad[v])
            + 3 * (b.size + g.factors[u] + g.factors[v] + b.factors[u] + b.factors[v])
            + g.size
            + 30
        )
        terms = spread + 4
        return (size + inner(u) + inner(v) + 6) + terms * (size + 3) + inner_v + 3 * (terms + 1)

    return _Cost(
        size,
        _per_variable(lambda u: size + inner(u) + b.factors[u] + g.factors[u] + 6 if depends(u) else 0),
        _per_entry(hess),
        _per_variable(lambda u: 3 + b.factors[u] + g.factors[u]),
    )


class _Shape:
    """Checks a parsed formula against the allow-list and bounds the cost of its derivatives."""

    def __init__(self, field: str) -> None:
        self.field = field

    def fail(self, why: str) -> InvalidInput:
        return InvalidInput(self.field, why)

    def measure(self, node: ast.AST, depth: int) -> _Cost:
        self.check_depth(depth)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"uses the literal {node.value!r}; only real numbers are allowed")
            return _NUMBER
        if isinstance(node, ast.Name):
            if node.id not in _NAMES:
                raise self.fail(f"uses the unknown name '{node.id}' (allowed: {', '.join(sorted(_NAMES))})")
            return _leaf(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            return _sum(self.terms(node, depth))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            return _product(self.factors(node, depth))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return _power(self.measure(node.left, depth + 1), self.measure(node.right, depth + 1))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return _product(self.factors(node, depth))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.measure(node.operand, depth + 1)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(f"uses {_describe(node)}, which is not allowed in a formula")

    def check_depth(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.fail(f"is nested deeper than {MAX_DEPTH} levels")

    # A long sum or product is a flat chain to a reader: only its right-hand operands count as nesting.
    def terms(self, node: ast.AST, depth: int) -> list[_Cost]:
        """The terms of a chain of + and −, as sympy flattens it (a − (b + c) is a − b − c)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            self.check_depth(depth)
            return self.terms(node.left, depth) + self.terms(node.right, depth + 1)
        return [self.measure(node, depth)]

    def factors(self, node: ast.AST, depth: int) -> list[_Cost]:
        """The factors of a chain of ×, ÷ and unary minus, as sympy flattens it (a/b is a·b**−1)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            self.check_depth(depth)
            return self.factors(node.left, depth) + self.factors(node.right, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            self.check_depth(depth)
            return [*self.factors(node.left, depth), _power(self.measure(node.right, depth + 1), _NUMBER)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            self.check_depth(depth)
            return [_NUMBER, *self.factors(node.operand, depth + 1)]
        return [self.measure(node, depth)]

    def call(self, node: ast.Call, depth: int) -> _Cost:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            allowed = ", ".join(sorted(_FUNCTIONS))
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise self.fail(f"calls '{name}', which is not an allowed function ({allowed})")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(f"'{node.func.id}' takes exactly one argument")
        argument = self.measure(node.args[0], depth + 1)
        cost = _function(argument)
        if node.func.id == "abs":  # |xy| may stay whole or become |x|·|y|
            return _spread(cost, argument, _function)
        if node.func.id == "sqrt":  # a power: √(4x) is 2√x
            return _spread(cost, argument, lambda p: _power(p, _NUMBER))
        return cost


# -- Pass 2: the values --------------------------------------------------------------------------------------


class _Builder:
    """Turns a checked Python AST into sympy, one node at a time."""

    def __init__(self, field: str) -> None:
        self.field = field

    def fail(self, why: str) -> InvalidInput:
        return InvalidInput(self.field, why)

    def build(self, node: ast.AST) -> _Node:
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return _NAMES[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self.build(node.left), self.build(node.right)
            value = self.value(_BINARY[type(node.op)], left, right)
            if isinstance(node.op, ast.Pow) and left[1] is not None and left[1].real < 0 and right[1] is None:
                # (-1)**x is real at whole x only, and its derivative there, iπ·(-1)**x, is not.
                raise self.fail("raises a negative number to a variable power")
            if isinstance(node.op, ast.Pow) and right[0].is_Rational:
                # Sympy raises exact numbers exactly: size (4/x)**n before it is computed.
                self.check_exact(exact_bits(left[0]) * abs(right[0].p))
            return _BINARY[type(node.op)](left[0], right[0]), value
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            return _UNARY[type(node.op)](operand[0]), self.value(_UNARY[type(node.op)], operand)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        symbolic, numeric = _FUNCTIONS[node.func.id]
        argument = self.build(node.args[0])
        return symbolic(argument[0]), self.value(numeric, argument)

    def constant(self, value: int | float) -> _Node:
        if isinstance(value, int) and value.bit_length() > 64:
            raise self.fail("uses an integer literal that is too large")
        if not math.isfinite(value):
            raise self.fail("uses a number that is not finite")
        exact = sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)
        return exact, complex(value)

    def check_exact(self, bits: int) -> None:
        if bits > MAX_EXACT_BITS:
            raise self.fail(
                f"needs exact numbers of about {_spaced(bits)} bits (limit {_spaced(MAX_EXACT_BITS)}): "
                "use a smaller power, or a decimal one (2.0 rather than 2)"
            )

    def value(self, op: Callable[..., complex], *args: _Node) -> complex | None:
        """The float64 value of a constant part, checked before sympy builds it exactly."""
        if any(v is None for _, v in args):
            return None
        return self.evaluate(op, [v for _, v in args])

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
