"""What a computation will cost, estimated from its description before it starts.

The estimates are seconds of one core of the 2-core development machine, and bytes of
the JSON an answer sent whole would take. They are deliberately simple (a constant per
step plus a cost per arithmetic operation of the compiled formula or per multiply-add
of the network) and err on the high side by about 1.5×; the constants were measured
with the engine's own loops (README, "Serving a room"). They depend on the request
alone, never on the machine's load, so the same request gets the same decision.
"""

from __future__ import annotations

import dis
from collections.abc import Callable, Sequence
from functools import lru_cache

from .nn.network import Architecture
from .plan import RunSettings
from .surfaces import Surface

# One trajectory (B = 1): a step's fixed cost, and each operation of the compiled
# value-and-gradient on Python floats; Newton adds a Hessian on numpy arrays and a solve.
STEP_SECONDS = 6e-6
OPERATION_SECONDS = 1.2e-7
NEWTON_STEP_SECONDS = 6e-5
HESSIAN_OPERATION_SECONDS = 6e-7
# A batch of B trajectories: per trajectory and step, and per operation on one element.
ELEMENT_SECONDS = 3e-8
ELEMENT_OPERATION_SECONDS = 1.5e-9
# Networks: a floating-point operation of a matrix product (a multiply-add is two), one unit's
# activation on one point, forward and backward, and a step's fixed cost (the optimizer on the
# flat weight vector included). Measured on the largest network (2-64-64-64-64-1, 2 000 points,
# one BLAS thread: 16.5·10⁹ multiply-adds a second; tanh 5.8 ns a value, sigmoid 5.9, relu 0.3),
# then ×1.5. The backward pass of relu and leaky_relu builds its slope as a temporary.
FLOP_SECONDS = 1.0 / 22e9
ACTIVATION_SECONDS = {
    "tanh": (9e-9, 1.5e-9),
    "sigmoid": (9e-9, 1.5e-9),
    "relu": (0.5e-9, 1.5e-9),
    "leaky_relu": (1e-9, 7e-9),
    "linear": (0.5e-9, 0.5e-9),
}
NETWORK_STEP_SECONDS = 6e-5
RECORD_SECONDS = 2e-4
# What a run's settings add to each of its steps (one trajectory; measured on rosenbrock, then ×1.5):
# clipping by norm and L1 reduce or take signs over θ, L2 and value clipping are one or two operations.
SETTING_SECONDS = {
    "max_norm": 1.8e-5,
    "clip_value": 8e-6,
    "noise": 3e-6,
    "l1": 1.8e-5,
    "l2": 1.1e-5,
    "schedule": 1e-6,
}
# Mini-batches, per step of one trajectory: drawing the batch and the batch objective's gradient
# (measured on linear_regression: 15 µs and 0.09 µs a point, then ×1.5), on top of the full data's.
BATCH_STEP_SECONDS = 2.3e-5
BATCH_POINT_SECONDS = 1.4e-7
# JSON: a float64 written in full precision with its separator, as orjson writes it, and its time.
NUMBER_BYTES = 21
NUMBER_SECONDS = 5e-8
OPERATIONS = {"BINARY_OP", "CALL", "UNARY_NEGATIVE"}


@lru_cache(maxsize=512)
def _operations(function: Callable) -> int:
    # The compiled functions are generated code: their arithmetic is their bytecode's
    # operations and calls, a count that depends on the formula alone.
    return max(1, sum(1 for i in dis.get_instructions(function) if i.opname in OPERATIONS))


def _logistic_operations(params: dict, alone: bool) -> tuple[int, int]:
    # Alone: some twenty numpy calls on n margins; batched: an exp and a log1p per margin dominate.
    n = params["n"]
    return (250 + n // 5, 60 + n // 10) if alone else (35 * n, 5 * n)


def _cliff_operations(params: dict, alone: bool) -> tuple[int, int]:
    # A dozen float operations per unrolled step, each way (forward, then backpropagation through time).
    steps = params["T"]
    return (12 + 5 * steps, 20 + 2 * steps) if alone else (25 * steps, 10 * steps)


# Surfaces computed by numpy code: their functions are closures, whose bytecode says nothing of their
# work. Operations here are what one evaluation costs as measured (times 1.5) on one trajectory alone
# (in OPERATION_SECONDS and HESSIAN_OPERATION_SECONDS) or per trajectory of a batch or grid (in
# ELEMENT_OPERATION_SECONDS): ∝ n for logistic_regression, ∝ T for rnn_cliff; linear_regression works
# on five sums whatever n.
_COMPUTED_OPERATIONS: dict[str, Callable[[dict, bool], tuple[int, int]]] = {
    "linear_regression": lambda params, alone: (10, 20) if alone else (15, 5),
    "logistic_regression": _logistic_operations,
    "rnn_cliff": _cliff_operations,
}


def surface_operations(surface: Surface, rows: int = 1) -> tuple[int, int]:
    """Operations of one evaluation of ∇f (with f) and of the Hessian, per trajectory of `rows`."""
    computed = _COMPUTED_OPERATIONS.get(surface.name)
    if computed is not None:
        return computed(surface.params, rows == 1)
    return _operations(surface.functions.value_and_grad), _operations(surface.functions.hessian)


def step_seconds(surface: Surface, needs_hessian: bool, rows: int = 1) -> float:
    """One update of `rows` trajectories of one optimizer on `surface`."""
    gradient, hessian = surface_operations(surface, rows)
    if rows == 1:
        seconds = STEP_SECONDS + OPERATION_SECONDS * gradient
        return seconds + (NEWTON_STEP_SECONDS + HESSIAN_OPERATION_SECONDS * hessian if needs_hessian else 0.0)
    per_row = ELEMENT_SECONDS + ELEMENT_OPERATION_SECONDS * (gradient + (4 * hessian + 60 if needs_hessian else 0))
    return STEP_SECONDS + rows * per_row


def settings_used(settings: RunSettings) -> tuple[str, ...]:
    """The settings of a run that cost something per step (keys of SETTING_SECONDS)."""
    used = {
        "max_norm": settings.max_norm is not None,
        "clip_value": settings.clip_value is not None,
        "noise": settings.noise_std > 0,
        "l1": settings.l1 > 0,
        "l2": settings.l2 > 0,
        "schedule": settings.schedule != "constant",
    }
    return tuple(name for name, on in used.items() if on)


def run_seconds(
    surface: Surface,
    steps: int,
    needs_hessian: Sequence[bool],
    rows: int = 1,
    settings: Sequence[RunSettings] | None = None,
) -> float:
    """Every optimizer of a run request, `steps` updates each, with the settings each runs with.
    Each run is costed as if alone: runs that share a batch cost less, never more."""
    per_run = [settings_used(s) for s in settings] if settings else [()] * len(needs_hessian)
    batches = [s.batch.size if s.batch else 0 for s in settings] if settings else [0] * len(needs_hessian)
    return steps * sum(
        step_seconds(surface, newton, rows)
        + rows * sum(SETTING_SECONDS[name] for name in used)
        + (rows * (BATCH_STEP_SECONDS + size * BATCH_POINT_SECONDS) if size else 0.0)
        for newton, used, size in zip(needs_hessian, per_run, batches, strict=True)
    )


def grid_seconds(surface: Surface, points: int) -> float:
    per_point = ELEMENT_OPERATION_SECONDS * surface_operations(surface, max(points, 2))[0]
    return STEP_SECONDS + points * (ELEMENT_SECONDS + per_point)


def network_pass_seconds(arch: Architecture, points: int, backward: bool) -> float:
    """A forward pass (and the backward pass) of `points` samples through the network."""
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(arch.sizes[:-1], arch.sizes[1:], strict=False))
    units = sum(arch.sizes[1:-1])  # the hidden ones: the output unit has no activation
    passes = 3 if backward else 1  # backward: δ one way, ∂L/∂W the other
    forward_s, backward_s = ACTIVATION_SECONDS[arch.activation]
    return points * (2 * passes * weights * FLOP_SECONDS + units * (forward_s + (backward_s if backward else 0.0)))


def training_seconds(
    arch: Architecture,
    points: int,
    batch: int,
    steps: int,
    records: int,
    boundary_points: int,
    landscape_points: int,
    eigenproblems: int = 0,
    histograms: bool = False,
) -> float:
    """A training: its steps on the batch, a full-data record (loss and gradients) with a
    boundary frame each, and the landscape's forward passes over the data; with sharpness,
    `eigenproblems` (1, or 2 with Adam's preconditioned one) Lanczos runs a record, and with
    histograms the binning of every hidden activation a record."""
    training = steps * (NETWORK_STEP_SECONDS + network_pass_seconds(arch, batch, backward=True))
    recording = records * (
        network_pass_seconds(arch, points, True) + network_pass_seconds(arch, boundary_points, False)
    )
    landscape = landscape_points * (NETWORK_STEP_SECONDS + network_pass_seconds(arch, points, backward=False))
    extra = records * sharpness_seconds(arch, points, eigenproblems) if eigenproblems else 0.0
    if histograms:
        extra += records * points * sum(arch.sizes[1:-1]) * HISTOGRAM_VALUE_SECONDS
    return training + recording + landscape + extra


# Sharpness at one record: the passes it keeps (a forward pass with the activations' first and second
# derivatives, and a backward one: about 1.5 gradients), then Lanczos iterations of one Hessian-vector
# product each. A product costs 1.3 to 2.8 gradients (relu's masks are the dearest per multiply-add; measured
# on 2-8-8-1 to 2-64×8-1, one BLAS thread) plus its reorthogonalization and the call overhead. Warm-started
# from the previous record, Lanczos takes 6 to 8 products (its minimum is 6), up to 20 from a cold start.
SHARPNESS_PASSES = 1.5
PRODUCT_PASSES = 3.0
PRODUCT_SECONDS = 1e-4
PRODUCTS_PER_EIGENVALUE = 12
# Binning one activation value into a histogram (a search among ~20 edges and a count), ×1.5.
HISTOGRAM_VALUE_SECONDS = 3e-8


def sharpness_seconds(arch: Architecture, points: int, eigenproblems: int = 1) -> float:
    """One record's sharpness (and Adam's preconditioned sharpness with eigenproblems = 2) on `points`."""
    gradient = network_pass_seconds(arch, points, backward=True)
    product = PRODUCT_PASSES * gradient + PRODUCT_SECONDS + 2e-9 * PRODUCTS_PER_EIGENVALUE * arch.size
    return SHARPNESS_PASSES * gradient + eigenproblems * PRODUCTS_PER_EIGENVALUE * product


def json_bytes(numbers: int) -> int:
    """The JSON of `numbers` float64 values in full precision."""
    return numbers * NUMBER_BYTES


def json_seconds(numbers: int) -> float:
    return numbers * NUMBER_SECONDS


# A trainability map: every cell's network trained in one batch, a group of networks per numpy call
# (nn/sweep.py), so that a cell's step costs about its network's pass (measured 0.8 to 2.0 times
# network_pass_seconds, one BLAS thread, from 2-4-1 to 2-64×8-1; ×1.5 here) and each step adds the calls of
# its groups (about 40 each), its own fixed cost (the optimizer's calls, the checks, the shuffle) and the
# optimizer's work on each weight of each cell.
SWEEP_PASS_FACTOR = 1.5
SWEEP_GROUP_SECONDS = 2e-4
SWEEP_STEP_SECONDS = 3e-4
SWEEP_WEIGHT_SECONDS = 3e-8


def sweep_seconds(
    arch: Architecture, points: int, batch: int, steps: int, records: int, cells: int, groups: int, shared: bool
) -> float:
    """A sweep of `cells` trainings of `steps` on batches of `batch` of the `points` training points, passed
    in `groups` (nn/sweep.py's group_size), with train()'s `records` full-data checks (a full-data pass each,
    unless the step's pass is the record's)."""
    per_step = (
        SWEEP_STEP_SECONDS
        + groups * SWEEP_GROUP_SECONDS
        + cells * (SWEEP_PASS_FACTOR * network_pass_seconds(arch, batch, True) + arch.size * SWEEP_WEIGHT_SECONDS)
    )
    checked = 1 if shared else records  # the last record's pass, or every record's
    per_record = groups * SWEEP_GROUP_SECONDS + cells * SWEEP_PASS_FACTOR * network_pass_seconds(arch, points, True)
    return steps * per_step + checked * per_record


# A sweep on a surface (sweep.py): the cells in blocks of rows, the stop rules checked each step, costed as if
# no row left its block early. Per step of a block a fixed cost (some forty numpy calls), then per row: the
# optimizer and the checks (SGD's few operations, an adaptive method's dozen), each operation of the gradient
# (transcendental ones cost more than ELEMENT_OPERATION_SECONDS: measured on ackley and goldstein_price),
# Newton's solve (a 2 × 2 SVD or eigendecomposition: LAPACK's cost per matrix) with its Hessian, and the
# settings. Measured on 16 384 rows, then ×1.5.
SURFACE_SWEEP_STEP_SECONDS = 1e-4
SURFACE_SWEEP_ROW_SECONDS = 1e-7
SURFACE_SWEEP_SGD_ROW_SECONDS = 4e-8
SURFACE_SWEEP_OPERATION_SECONDS = 6e-9
SURFACE_SWEEP_SOLVE_SECONDS = {"newton": 4.2e-6, "saddle_free_newton": 1.6e-6}
SURFACE_SWEEP_SETTING_SECONDS = {
    "max_norm": 3e-8,
    "clip_value": 2e-8,
    "noise": 2e-8,
    "l1": 3e-8,
    "l2": 1.5e-8,
    "schedule": 2e-8,
}


def surface_sweep_seconds(
    surface: Surface, optimizer: str, cells: int, steps: int, settings: Sequence[str], batches: bool
) -> float:
    """A sweep of `cells` runs of `optimizer` on `surface`, `steps` each, with `settings` (keys of
    SURFACE_SWEEP_SETTING_SECONDS) on; with `batches`, each step also draws a mini-batch and takes its gradient."""
    gradient, hessian = surface_operations(surface, max(cells, 2))
    per_row = SURFACE_SWEEP_SGD_ROW_SECONDS if optimizer == "sgd" else SURFACE_SWEEP_ROW_SECONDS
    per_row += SURFACE_SWEEP_OPERATION_SECONDS * gradient * (2 if batches else 1)
    per_row += sum(SURFACE_SWEEP_SETTING_SECONDS[name] for name in settings)
    if optimizer in SURFACE_SWEEP_SOLVE_SECONDS:
        per_row += SURFACE_SWEEP_SOLVE_SECONDS[optimizer] + SURFACE_SWEEP_OPERATION_SECONDS * hessian
    from .sweep import BLOCK_ROWS  # the block size sweep.py runs, needed by this function alone

    blocks = -(-cells // BLOCK_ROWS)
    fixed = SURFACE_SWEEP_STEP_SECONDS + (BATCH_STEP_SECONDS if batches else 0.0)
    return steps * (blocks * fixed + cells * per_row)
