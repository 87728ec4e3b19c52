"""NDJSON streaming of a run: one line per chunk of each trajectory, as the engine yields them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from ..engine.plan import Batch
from ..engine.runner import RUNNING, Chunk
from .convert import PreparedRun, surface_info
from .json import dumps
from .models.runs import RunRequest


class RunStream:
    """Prepares the run and computes the first chunk of every batch on construction,
    so that a bad request still gets its 422 before any 200 is sent; the rest
    follows lazily, the batches taking turns chunk by chunk."""

    def __init__(self, request: RunRequest) -> None:
        self.run = PreparedRun(request)
        self.pending = deque((batch, self.run.chunks(batch)) for batch in self.run.plan.batches)
        self.done = False
        start = dumps({"type": "start", "runs": self.run.heads(), "surface": surface_info(self.run.surface)}) + b"\n"
        self.head = start + b"".join(self.next_chunk() or b"" for _ in range(len(self.pending)))

    def next_lines(self, check: Callable[[], None]) -> bytes | None:
        """The next piece of the stream: a chunk's lines, then the `done` line, then None."""
        check()
        data = self.next_chunk()
        if data is None and not self.done:
            self.done, data = True, dumps({"type": "done"}) + b"\n"
        return data

    def next_chunk(self) -> bytes | None:
        """Encode the next chunk of the next batch (its buffers are reused: encode before asking again)."""
        while self.pending:
            batch, chunks = self.pending.popleft()
            chunk = next(chunks, None)
            if chunk is not None:
                self.pending.append((batch, chunks))
                return b"".join(line + b"\n" for line in self.encode(batch, chunk))
        return None

    def encode(self, batch: Batch, chunk: Chunk) -> Iterator[bytes]:
        recorded = self.run.recorded(batch)  # taken for every chunk, so the next one starts afresh
        for row, run in enumerate(batch.runs):  # one start point: run j of a batch is its row j
            if chunk.counts[row] == 0:
                continue
            columns = self.run.columns(chunk, row, recorded)
            if len(columns["x"]):
                offset = int(columns["step"][0]) if "step" in columns else chunk.offset
                yield dumps({"type": "chunk", "run": run, "offset": offset, **columns})
            if chunk.status[row] != RUNNING:
                yield dumps({"type": "end", "run": run, **self.run.end(chunk, row)})
