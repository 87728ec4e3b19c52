"""The one exception the engine raises for input it cannot work with."""


class InvalidInput(ValueError):
    """Bad user input, with the request field it belongs to (the API answers 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
