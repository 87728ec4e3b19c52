"""The exceptions the engine raises: input it cannot work with, and work its caller stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class InvalidInput(ValueError):
    """Bad user input, with the request field it belongs to (the API answers 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Cancelled(Exception):
    """Raised by a caller's check (its client left): the engine stops where it is."""


def no_check() -> None:
    """The check of work nobody can stop."""


def checked(items: Iterator[T], check: Callable[[], None]) -> Iterator[T]:
    """`items`, with `check()` before each one is computed."""
    while True:
        check()
        try:
            item = next(items)
        except StopIteration:
            return
        yield item
