"""victimcare: Total Victim Care, clocked and measured."""

__version__ = "0.1.0"
