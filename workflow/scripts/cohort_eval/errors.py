"""Errors that carry a message a non-programmer can act on."""


class DropError(Exception):
    """A problem with a data drop: the message names the file, and where it can, the row,
    column, value and what was expected. Rule scripts print it without a traceback."""


class ConfigError(Exception):
    """A problem with a configuration file (instrument, codebook, activities, drop.yaml)."""
