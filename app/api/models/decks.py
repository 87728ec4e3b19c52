"""Decks of lecture scenes (GET /api/decks): the format of the built-in decks, checked when they load."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]

# View options of a page, never part of a scene's state: the reader chooses them.
VIEW_OPTIONS = ("lang", "theme")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Text(_Strict):
    """One text in both languages."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Lines(_Strict):
    """Short lines in both languages, the same number in each (line i says the same in both)."""

    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def paired(self) -> Lines:
        if len(self.en) != len(self.zh) or not all(self.en + self.zh):
            raise ValueError("en and zh need the same number of non-empty lines")
        return self


class Scene(_Strict):
    id: Slug
    section: int | None = Field(default=None, ge=1, description="the course section the scene belongs to")
    title: Text
    page: str = Field(
        pattern=r"^[a-z][a-z-]*$", description='"surfaces" is /, "network" is /network, any other page p is /p'
    )
    query: str = Field(max_length=2000, description="the page's own URL state, without `?`")
    narration: Text = Field(description="what the lecturer says, two to four sentences")
    notice: Lines = Field(description="what to look at")
    try_: Lines = Field(alias="try", description="what to change next")
    autoplay: bool = Field(description="play from step 0 when the scene opens")

    @field_validator("query")
    @classmethod
    def state_only(cls, query: str) -> str:
        """A built-in scene holds the view's state: no label (the catalog names runs in the reader's
        language), no language or theme (the reader's choice)."""
        if query.startswith("?"):
            raise ValueError("a query has no leading '?'")
        keys = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
        if keys & set(VIEW_OPTIONS):
            raise ValueError(f"a scene's query holds no {' or '.join(sorted(keys & set(VIEW_OPTIONS)))}")
        if any(part.startswith("label=") for _, value in parse_qsl(query) for part in value.split(";")):
            raise ValueError("a built-in scene's query holds no label=")
        return query


class Deck(_Strict):
    id: Slug
    title: Text
    scenes: list[Scene] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_scenes(self) -> Deck:
        ids = [scene.id for scene in self.scenes]
        if len(set(ids)) != len(ids):
            raise ValueError(f"scene ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        return self


class DeckSummary(BaseModel):
    id: str
    title: Text
    scenes: int = Field(description="how many scenes the deck holds")
