"""The optimizer's own state, named as torch.optim names it, and a recorder of it after every update.

A run asked to show its insides (README, "Inside the optimizer") wraps its optimizer's transformation
in a recorder: after each update it keeps the gradient the optimizer received (after noise and
clipping) and the state the update returned. Runs that do not ask never meet this module.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import plan as planning
from .optimizers import OPTIMIZERS
from .params import Value
from .runner import Chunk, kept_points
from .scalers import AdadeltaState, AdamState, NadamState, RmsState
from .transforms import GradientTransformation, GradientTransformationExtraArgs, TraceState

Array = np.ndarray


def leaves(state: object) -> list[object]:
    """The states of a chain's transformations: a chain keeps them as nested plain tuples."""
    if isinstance(state, tuple) and not hasattr(state, "_fields"):
        return [leaf for part in state for leaf in leaves(part)]
    return [state]


def torch_state(name: str, params: dict[str, Value], state: object) -> dict[str, Array]:
    """The state of optimizer `name` as torch.optim keeps it (exp_avg is m, exp_avg_sq v, …). Adam's
    scalers keep m/(1 − β₁) and v/(1 − β₂) (see scalers._moments): multiplied back here. Works on one
    state or on states stacked along a leading axis of steps."""
    out: dict[str, Array] = {}
    b1, b2 = params.get("betas", (0.0, 0.0))  # type: ignore[misc]
    for leaf in leaves(state):
        if isinstance(leaf, TraceState):
            out["momentum_buffer"] = leaf.trace
        elif isinstance(leaf, RmsState):
            out["square_avg"] = leaf.nu
            if leaf.mu is not None:
                out["grad_avg"] = leaf.mu
        elif isinstance(leaf, AdadeltaState):
            out["square_avg"], out["acc_delta"] = leaf.nu, leaf.delta
        elif isinstance(leaf, NadamState):
            out["mu_product"] = leaf.mu_product
            out["exp_avg"], out["exp_avg_sq"] = leaf.mu * (1 - b1), leaf.nu * (1 - b2)
        elif isinstance(leaf, AdamState) and name == "adamax":
            out["exp_avg"], out["exp_inf"] = leaf.mu, leaf.nu
        elif isinstance(leaf, AdamState):
            out["exp_avg"], out["exp_avg_sq"] = leaf.mu * (1 - b1), leaf.nu * (1 - b2)
            if leaf.nu_max is not None:
                out["max_exp_avg_sq"] = leaf.nu_max * (1 - b2)
        elif isinstance(leaf, np.ndarray) and leaf.ndim >= 2:  # AdaGrad's Σg², or Lion's momentum
            out["sum" if name == "adagrad" else "exp_avg"] = leaf
    return out


class Recorded(NamedTuple):
    """What a recorder kept of the updates of one chunk (or of a whole run), one row per kept update."""

    steps: Array  # (n,) the step k of each row (update k takes θₖ to θₖ₊₁)
    grad: Array  # (n, B, D) the gradient the optimizer received
    state: dict[str, Array]  # torch name → (n, B, D) the state after the update


class StateRecorder:
    """Wraps an optimizer's transformation and keeps, after every `every`-th update (those a thinned
    run shows), what it received and its state. What it holds is stacked into arrays whenever asked
    (`compact`), so a long run holds numbers, not a Python object per step."""

    def __init__(self, name: str, params: dict[str, Value], every: int = 1) -> None:
        self.name = name
        self.params = params
        self.every = every
        self.count = 0
        self.steps: list[int] = []
        self.grads: list[Array] = []
        self.states: list[Any] = []
        self.parts: list[Recorded] = []
        self.empty: Recorded | None = None  # the shape of nothing, once the first update is seen

    def wrap(self, transform: GradientTransformation) -> GradientTransformation:
        inner = transform.update

        def update(updates: Array, state: Any, params: Array, **extra: Any) -> tuple[Array, Any]:
            if self.count % self.every:
                self.count += 1
                return inner(updates, state, params, **extra)
            # A copy: the runner writes its gradient buffers again, and momentum keeps its first
            # gradient as its buffer. The optimizer gets this copy, so it keeps one that stays.
            received = np.array(updates)
            out, state = inner(received, state, params, **extra)
            self.steps.append(self.count)
            self.grads.append(received)
            self.states.append(state)
            self.count += 1
            return out, state

        kind = GradientTransformationExtraArgs if isinstance(transform, GradientTransformationExtraArgs) else None
        return (kind or GradientTransformation)(transform.init, update)

    def compact(self) -> None:
        """Stack what was recorded since the last call."""
        if not self.steps:
            return
        grad = np.stack(self.grads)
        named = torch_state(self.name, self.params, _stack(self.states))
        # NAdam's μ product is one number per run: given for each coordinate, as every entry is.
        state = {key: np.broadcast_to(_columns(value), grad.shape) for key, value in named.items()}
        self.parts.append(Recorded(np.array(self.steps), grad, state))
        if self.empty is None:
            self.empty = Recorded(np.empty(0, dtype=np.int64), grad[:0], {k: v[:0] for k, v in state.items()})
        self.steps.clear()
        self.grads.clear()
        self.states.clear()

    def take(self) -> Recorded:
        """Everything recorded since the last take; the recorder starts afresh."""
        self.compact()
        parts, self.parts = self.parts, []
        if len(parts) == 1:
            return parts[0]
        if not parts:
            assert self.empty is not None, "take() before any update"
            return self.empty
        return Recorded(
            np.concatenate([p.steps for p in parts]),
            np.concatenate([p.grad for p in parts]),
            {key: np.concatenate([p.state[key] for p in parts]) for key in parts[0].state},
        )


def _columns(value: Array) -> Array:
    """A stacked state entry with the axes (steps, B, D): a scalar per step gains the other two."""
    value = np.asarray(value)
    return value.reshape(value.shape + (1,) * (3 - value.ndim))


def _stack(items: list[Any]) -> Any:
    """States of successive updates (the same structure each) as one state of stacked arrays."""
    first = items[0]
    if isinstance(first, np.ndarray | np.generic):  # NAdam's μ product is a numpy scalar
        return np.stack([np.asarray(item) for item in items])
    if isinstance(first, tuple):
        parts = [_stack([item[i] for item in items]) for i in range(len(first))]
        return type(first)(*parts) if hasattr(first, "_fields") else tuple(parts)
    return first  # step counts and absent parts: nothing a reader is shown


def recording(
    run_plan: planning.RunPlan, names: list[str], every: int = 1
) -> tuple[planning.RunPlan, dict[int, StateRecorder]]:
    """The plan with every batch's optimizer wrapped in a recorder (keyed by the batch's first run) that
    keeps every `every`-th update; `names` are the request's optimizers. The chain is plan's own (its
    `batch_chain`, given a factory that wraps the optimizer's), so the arithmetic is the same."""
    batches, recorders = [], {}
    for batch in run_plan.batches:
        params = run_plan.params[batch.index]
        recorder = StateRecorder(names[batch.index], params, every)
        build = OPTIMIZERS[names[batch.index]].build
        used = [run_plan.settings[i] for i in batch.runs]
        starts = len(batch.start) // len(batch.runs)
        transform, _ = planning.batch_chain(_recorded(recorder, build), params, used, starts, run_plan.steps)
        batches.append(batch._replace(transform=transform))
        recorders[batch.index] = recorder
    return run_plan._replace(batches=batches), recorders


def _recorded(recorder: StateRecorder, build: Any) -> Any:
    """An optimizer factory whose transformation `recorder` watches."""
    return lambda **values: recorder.wrap(build(**values))


def inside(chunk: Chunk, recorded: Recorded, row: int, every: int = 1) -> dict[str, Array]:
    """Row `row`'s state after each kept update of `chunk` (the points `lr` is given for), with `step`
    θₖ₊₁ − θₖ, the gradient `grad` the optimizer received and `effective_lr` −stepᵢ/gᵢ (NaN where gᵢ = 0)."""
    steps, _, updated = kept_points(chunk, row, every)
    rows = np.searchsorted(recorded.steps, steps[updated])  # the recorder kept the same steps
    step = chunk.theta[updated + 1, row] - chunk.theta[updated, row]  # (m', D)
    grad = recorded.grad[rows, row]
    with np.errstate(all="ignore"):
        effective = np.where(grad != 0, -step / np.where(grad != 0, grad, 1.0), np.nan)
    out = {key: value[rows, row] for key, value in recorded.state.items()}
    return {**out, "grad": grad, "step": step, "effective_lr": effective}
