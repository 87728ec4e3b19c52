"""GET /api/decks and /api/decks/{deck_id}: the built-in decks of lecture scenes."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from ..decks import DECKS
from ..errors import entry
from ..models.base import Refusal
from ..models.decks import Deck, DeckSummary

router = APIRouter(prefix="/api", tags=["decks"])


@router.get("/decks", response_model=list[DeckSummary], summary="Built-in decks")
def list_decks() -> list[DeckSummary]:
    """Every built-in deck: its id, its title in both languages and how many scenes it holds."""
    return [DeckSummary(id=deck.id, title=deck.title, scenes=len(deck.scenes)) for deck in DECKS.values()]


@router.get(
    "/decks/{deck_id}",
    response_model=Deck,
    response_model_by_alias=True,
    summary="One built-in deck, whole",
    responses={404: {"model": Refusal, "description": "no built-in deck has this id"}},
)
def get_deck(deck_id: str) -> Deck:
    """The deck with every scene: page, query (the page's URL state), narration, notice and try lines in en and zh."""
    deck = DECKS.get(deck_id)
    if deck is None:
        raise HTTPException(404, detail=[entry(["path", "deck_id"], f"no built-in deck {deck_id!r}", "not_found")])
    return deck
