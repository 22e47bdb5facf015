"""Errors that several layers raise or catch."""


class SettingsError(Exception):
    """A setting from the environment is unusable; the message says which and why."""
