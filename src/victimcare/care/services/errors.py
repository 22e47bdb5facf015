"""The error every care service raises when an action cannot be done as asked."""


class CareError(ValueError):
    """An action on a case cannot be done as asked; the message says how to put it right."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field
