"""The built-in decks: every `app/decks/<id>.json`, read and checked once, when the app is imported."""

from __future__ import annotations

from pathlib import Path

from .models.decks import Deck

DECK_DIR = Path(__file__).resolve().parent.parent / "decks"


def load_decks(directory: Path = DECK_DIR) -> dict[str, Deck]:
    """Deck id -> deck. A file that is not a valid deck, or whose id is not its file name, stops the app
    from starting (a pydantic ValidationError or a ValueError naming the file)."""
    decks: dict[str, Deck] = {}
    for path in sorted(directory.glob("*.json")):
        deck = Deck.model_validate_json(path.read_bytes())
        if deck.id != path.stem:
            raise ValueError(f"{path.name}: the deck's id is {deck.id!r}, not its file name")
        decks[deck.id] = deck
    return decks


DECKS = load_decks()
