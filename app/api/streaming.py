"""NDJSON streaming of a run: one line per chunk of each trajectory, as the engine yields them."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator

from starlette.concurrency import run_in_threadpool

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
        self.first = b"".join(self.next_lines() or b"" for _ in range(len(self.pending)))

    def next_lines(self) -> bytes | None:
        """Encode the next chunk of the next batch (its buffers are reused: encode before asking again)."""
        while self.pending:
            batch, chunks = self.pending.popleft()
            chunk = next(chunks, None)
            if chunk is not None:
                self.pending.append((batch, chunks))
                return b"".join(line + b"\n" for line in self.encode(batch, chunk))
        return None

    def encode(self, batch: Batch, chunk: Chunk) -> Iterator[bytes]:
        if chunk.counts[0] == 0:
            return
        columns = self.run.columns(chunk, 0)
        if len(columns["x"]):
            offset = int(columns["step"][0]) if "step" in columns else chunk.offset
            yield dumps({"type": "chunk", "run": batch.index, "offset": offset, **columns})
        if chunk.status[0] != RUNNING:
            yield dumps({"type": "end", "run": batch.index, **self.run.end(chunk, 0)})

    async def lines(self) -> AsyncIterator[bytes]:
        yield dumps({"type": "start", "runs": self.run.heads(), "surface": surface_info(self.run.surface)}) + b"\n"
        data = self.first
        while data is not None:
            yield data
            # Off the event loop; a client that disconnects cancels this generator, and the work stops.
            data = await run_in_threadpool(self.next_lines)
        yield dumps({"type": "done"}) + b"\n"
