"""Between the API and the network engine: a train request to engine calls, records to JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..engine.nn.datasets import make_dataset
from ..engine.nn.landscape import Landscape
from ..engine.nn.network import Architecture, initialize, unflatten
from ..engine.nn.split import split
from ..engine.nn.train import Record, TrainSpec, boundary_grid, train
from .json import dumps
from .models.train import TrainRequest


class PreparedTraining:
    """Builds data, network and training; the first record is computed on construction,
    so that a refused optimizer gets its 422 before a stream starts."""

    def __init__(self, request: TrainRequest, check: Callable[[], None]) -> None:
        d, m = request.dataset, request.model
        self.request = request
        self.data = make_dataset(d.name, d.n, d.noise, d.seed)
        self.arch = Architecture((2, *m.hidden, 1), m.activation, self.data.task)
        self.theta0 = initialize(self.arch, m.init, m.seed, m.init_scale)
        # The held-out points, as train() draws them from the same seed.
        self.test_index = split(self.data, request.test_fraction, d.seed).test_index
        self.held_out = len(self.test_index) > 0
        clip = request.clip
        spec = TrainSpec(
            arch=self.arch,
            theta0=self.theta0,
            optimizer=request.optimizer.name,
            params=request.optimizer.params.model_dump(),
            steps=request.steps,
            batch_size=request.batch_size,
            l2=request.l2,
            dropout=request.dropout,
            max_norm=clip.max_norm if clip else None,
            clip_value=clip.value if clip else None,
            schedule=(request.schedule.name, request.schedule.model_dump(exclude_unset=True, exclude={"name"}))
            if request.schedule
            else None,
            record_every=request.record_every,
            boundary_n=request.boundary.n if request.boundary else None,
            landscape=(request.landscape.n, request.landscape.span, request.landscape.method)
            if request.landscape
            else None,
            seed=m.seed,
            test_fraction=request.test_fraction,
            split_seed=d.seed,
        )
        self.items = train(spec, self.data, check)
        self.first = next(self.items)
        self.final = self.theta0
        self.steps_taken = 0

    def head(self) -> dict[str, Any]:
        grid = boundary_grid(self.data, self.request.boundary.n) if self.request.boundary else None
        return {
            "task": self.data.task,
            "data": {"x": self.data.x, "y": self.data.y, "test": self.test_index},
            "boundary": {"x": grid.x, "y": grid.y} if grid else None,
        }

    def stream_head(self) -> bytes:
        self.source: Iterator[dict[str, Any]] | None = self.lines()
        return dumps({"type": "start", **self.head()}) + b"\n"

    def next_line(self, check: Callable[[], None]) -> bytes | None:
        """The stream's next line (`check` is the training's own, given at construction)."""
        if self.source is None:
            return None
        line = next(self.source, None)
        if line is None:
            self.source = None
            return dumps({"type": "done"}) + b"\n"
        return dumps(line) + b"\n"

    def lines(self) -> Iterator[dict[str, Any]]:
        """The engine's output as stream lines: records, the landscape, the end."""
        item = self.first
        while True:
            if isinstance(item, Record):
                self.final, self.steps_taken = item.theta, item.step
                yield self.record(item)
            elif isinstance(item, Landscape):
                yield {"type": "landscape", **self.landscape(item)}
            else:
                yield {"type": "end", "status": item, "steps_taken": self.steps_taken, "weights": self.weights()}
                return
            item = next(self.items)

    @staticmethod
    def record(r: Record) -> dict[str, Any]:
        line = {"type": "record", "step": r.step, "loss": r.loss, "accuracy": r.accuracy}
        if r.test_loss is not None:
            line |= {"test_loss": r.test_loss, "test_accuracy": r.test_accuracy}
        line |= {"grad_norm": r.grad_norm, "weight_norm": r.weight_norm}
        if r.boundary is not None:
            line["z"] = r.boundary
        return line

    @staticmethod
    def landscape(scape: Landscape) -> dict[str, Any]:
        return {
            "a": scape.a,
            "b": scape.b,
            "loss": scape.loss,
            "path": {"a": scape.path_a, "b": scape.path_b},
        }

    def weights(self) -> dict[str, Any] | None:
        if not self.request.include_weights:
            return None
        initial, final = (
            [{"W": layer.W, "b": layer.b} for layer in unflatten(self.arch, theta)]
            for theta in (self.theta0, self.final)
        )
        return {"initial": initial, "final": final}

    def result(self) -> dict[str, Any]:
        """The whole training as /api/train answers it: records gathered column by column."""
        head = self.head()
        records, landscape, status, steps_taken, weights = [], None, "max_steps", 0, None
        for line in self.lines():
            if line["type"] == "record":
                records.append(line)
            elif line["type"] == "landscape":
                landscape = {k: v for k, v in line.items() if k != "type"}
            else:
                status, steps_taken, weights = line["status"], line["steps_taken"], line["weights"]
        layers = len(self.arch.sizes) - 1
        return {
            "task": head["task"],
            "data": head["data"],
            "steps": [r["step"] for r in records],
            "loss": [r["loss"] for r in records],
            "accuracy": [r["accuracy"] for r in records] if self.data.task == "classification" else None,
            "test_loss": [r["test_loss"] for r in records] if self.held_out else None,
            "test_accuracy": [r["test_accuracy"] for r in records]
            if self.held_out and self.data.task == "classification"
            else None,
            "grad_norm": [[r["grad_norm"][i] for r in records] for i in range(layers)],
            "weight_norm": [[r["weight_norm"][i] for r in records] for i in range(layers)],
            "boundary": {**head["boundary"], "frames": [{"step": r["step"], "z": r["z"]} for r in records]}
            if head["boundary"]
            else None,
            "landscape": landscape,
            "weights": weights,
            "status": status,
            "steps_taken": steps_taken,
        }
