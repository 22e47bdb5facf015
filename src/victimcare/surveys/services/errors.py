"""The error every fieldwork service raises for a step that cannot be done as asked."""


class FieldworkError(ValueError):
    """A fieldwork step cannot be done as asked; the message says why."""
