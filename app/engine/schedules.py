"""Learning-rate schedules: pure functions of the step k, as torch's lr_scheduler closed forms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from .errors import InvalidInput
from .params import Param, fill

Array = np.ndarray
# (k: (steps, 1) step indices, base: (1, B) base learning rates, params) -> (steps, B)
TableFn = Callable[[Array, Array, Mapping[str, Any]], Array]


class ScheduleDef(NamedTuple):
    name: str
    title: str
    params: tuple[Param, ...]
    formula: str
    table: TableFn
    defaults: Callable[[int], dict[str, Any]]  # parameters whose default depends on `steps`


def _constant(k: Array, base: Array, p: Mapping[str, Any]) -> Array:
    return np.broadcast_to(base, (k.shape[0], base.shape[1])).copy()


def _step(k: Array, base: Array, p: Mapping[str, Any]) -> Array:
    return base * p["gamma"] ** (k // p["step_size"])


def _exponential(k: Array, base: Array, p: Mapping[str, Any]) -> Array:
    return base * p["gamma"] ** k


def _cosine(k: Array, base: Array, p: Mapping[str, Any]) -> Array:
    eta_min = p["eta_min"]
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * k / p["T_max"])) / 2


def _warmup_cosine(k: Array, base: Array, p: Mapping[str, Any]) -> Array:
    warmup, steps = p["warmup"], p["steps"]
    ramp = base * (k + 1) / warmup
    decay = base * 0.5 * (1 + np.cos(np.pi * (k - warmup) / max(1, steps - warmup)))
    return np.where(k < warmup, ramp, decay)


def _cyclic(k: Array, base: Array, p: Mapping[str, Any]) -> Array:
    # torch CyclicLR, mode "triangular": a shared base_lr overrides every optimizer's lr.
    low = base if p["base_lr"] is None else np.full_like(base, p["base_lr"])
    high = 10 * low if p["max_lr"] is None else np.full_like(low, p["max_lr"])
    total = p["step_size_up"] + p["step_size_down"]
    ratio = p["step_size_up"] / total
    cycle = np.floor(1 + k / total)
    x = 1.0 + k / total - cycle
    scale = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    return low + (high - low) * scale


def _rate(name: str, description: str) -> Param:
    """A learning rate of the schedule's own; by default derived from each optimizer's lr."""
    return Param(name, "float", None, 0.0, 1e3, log=True, min_open=True, description=description)


def _positive_int(name: str, description: str) -> Param:
    return Param(name, "int", None, 1, None, description=description)


_GAMMA = Param("gamma", "float", None, 0.0, 1.0, min_open=True, ui=(0.5, 1.0), description="decay factor")

SCHEDULES: dict[str, ScheduleDef] = {
    d.name: d
    for d in (
        ScheduleDef("constant", "Constant", (), "lr", _constant, lambda steps: {}),
        ScheduleDef(
            "step",
            "Step decay (StepLR)",
            (_positive_int("step_size", "steps between decays (default steps // 4)"), _GAMMA),
            "lr · γ^⌊k / step_size⌋",
            _step,
            lambda steps: {"step_size": max(1, steps // 4), "gamma": 0.1},
        ),
        ScheduleDef(
            "exponential",
            "Exponential decay (ExponentialLR)",
            (_GAMMA,),
            "lr · γᵏ",
            _exponential,
            lambda steps: {"gamma": 0.99},
        ),
        ScheduleDef(
            "cosine",
            "Cosine annealing (CosineAnnealingLR)",
            (
                _positive_int("T_max", "half period (default steps)"),
                Param("eta_min", "float", 0.0, 0.0, 1e3, description="lowest learning rate"),
            ),
            "η_min + (lr − η_min)·½(1 + cos(πk / T_max))",
            _cosine,
            lambda steps: {"T_max": steps},
        ),
        ScheduleDef(
            "warmup_cosine",
            "Linear warm-up, then cosine",
            (_positive_int("warmup", "warm-up steps (default steps // 10)"),),
            "lr·(k + 1)/warmup for k < warmup, then lr·½(1 + cos(π(k − warmup)/(steps − warmup)))",
            _warmup_cosine,
            lambda steps: {"warmup": max(1, steps // 10)},
        ),
        ScheduleDef(
            "cyclic",
            "Cyclical (CyclicLR, triangular)",
            (
                _rate("base_lr", "default: each optimizer's lr"),
                _rate("max_lr", "default: 10 · base_lr"),
                _positive_int("step_size_up", "steps from base_lr to max_lr (default steps // 10)"),
                _positive_int("step_size_down", "steps back down (default step_size_up)"),
            ),
            "triangle wave between base_lr and max_lr",
            _cyclic,
            lambda steps: {"step_size_up": max(1, steps // 10)},
        ),
    )
}


def schedule_params(name: str, given: Mapping[str, Any], steps: int, field: str = "schedule") -> dict[str, Any]:
    """All parameters of schedule `name` for a run of `steps`, checked, defaults filled."""
    if name not in SCHEDULES:
        raise InvalidInput(f"{field}.name", f"unknown schedule '{name}' (known: {', '.join(SCHEDULES)})")
    spec = SCHEDULES[name]
    params = fill(spec.params, {**spec.defaults(steps), **given}, field)
    if name == "cyclic" and params["step_size_down"] is None:
        params["step_size_down"] = params["step_size_up"]
    return params


class ScheduleTable:
    """lr[k, b] of a schedule for k < steps and each trajectory b, computed for the steps
    asked: `table[a:b]` is a (b − a, B) array. Nothing is held up front, so a run that
    streams 100 000 steps of 16 optimizers to a slow reader keeps no 12.8 MB table."""

    def __init__(self, name: str, params: Mapping[str, Any], base_lrs: Array, steps: int) -> None:
        self.fn = SCHEDULES[name].table
        self.constant = name == "constant"
        self.params = {**params, "steps": steps}
        self.base = np.asarray(base_lrs, dtype=np.float64).reshape(1, -1)
        self.shape = (steps, self.base.shape[1])

    def __getitem__(self, span: slice) -> Array:
        start, stop, _ = span.indices(self.shape[0])
        if self.constant:  # a read-only view: no copy on the batch engine's hot path
            return np.broadcast_to(self.base, (max(0, stop - start), self.shape[1]))
        k = np.arange(start, stop, dtype=np.float64)[:, None]
        return self.fn(k, self.base, self.params)

    def column(self, b: int, rows: int = 1) -> ScheduleTable:
        """Trajectory b's rates, repeated for `rows` trajectories that share them."""
        single = ScheduleTable.__new__(ScheduleTable)
        single.fn, single.constant, single.params = self.fn, self.constant, self.params
        single.base = np.repeat(self.base[:, b : b + 1], rows, axis=1)
        single.shape = (self.shape[0], rows)
        return single


class RowTables:
    """lr[k, b] of a batch whose rows follow different schedules: each of `tables` gives the
    columns `columns[i]` (an index array) of the batch's `rows`, as ScheduleTable does."""

    def __init__(self, tables: list[ScheduleTable], columns: list[Array], rows: int) -> None:
        self.tables, self.columns = tables, columns
        self.shape = (tables[0].shape[0], rows)

    def __getitem__(self, span: slice) -> Array:
        start, stop, _ = span.indices(self.shape[0])
        out = np.empty((max(0, stop - start), self.shape[1]))
        for table, columns in zip(self.tables, self.columns, strict=True):
            out[:, columns] = table[start:stop]
        return out


def schedule_table(name: str, params: Mapping[str, Any], base_lrs: Array, steps: int) -> Array:
    """lr[k, b] for k < steps and each trajectory b, whole: `(steps, B)`."""
    return np.ascontiguousarray(ScheduleTable(name, params, base_lrs, steps)[:])


RATE_BLOCK = 4096


def rate_per_step(name: str, params: Mapping[str, Any], lr: float, steps: int) -> float | Callable[[int], float]:
    """The learning rate scale_by_learning_rate is given: a constant stays a number; a
    schedule becomes a function of the step that looks its value up in a list of floats
    (the cheapest factor per step), filled a block of steps at a time."""
    if name == "constant":
        return lr
    table = ScheduleTable(name, params, np.array([lr]), steps)
    block: list[float] = []
    start = 0

    def rate(k: int) -> float:
        nonlocal block, start
        if not 0 <= k - start < len(block):
            start = k - k % RATE_BLOCK
            block = table[start : start + RATE_BLOCK][:, 0].tolist()
        return block[k - start]

    return rate


def rate_per_row(table: ScheduleTable | RowTables) -> Callable[[int], Array]:
    """The learning rate of a batch whose rows differ: a function of the step giving a (B, 1)
    view into a block of the table, filled a block of steps at a time as rate_per_step does."""
    block = np.empty((0, table.shape[1], 1))
    start = 0

    def rate(k: int) -> Array:
        nonlocal block, start
        if not 0 <= k - start < len(block):
            start = k - k % RATE_BLOCK
            block = np.ascontiguousarray(table[start : start + RATE_BLOCK])[:, :, None]
        return block[k - start]

    return rate
