"""Errors that carry a message a non-programmer can act on."""


class DropError(Exception):
    """A problem with a data drop: the message names the file, and where it can, the row,
    column, value and what was expected. Rule scripts print it without a traceback.

    ``terminal_note`` is printed on the terminal only, never logged: for file names that are
    personal data (calendar files are named by participant reference).
    """

    def __init__(self, message: str, terminal_note: str = "") -> None:
        super().__init__(message)
        self.terminal_note = terminal_note


class ConfigError(Exception):
    """A problem with a configuration file (instrument, codebook, activities, drop.yaml)."""


class RunError(Exception):
    """The run cannot go ahead: another run is active in the folder, or results/ cannot be
    written. Said when Snakemake starts, before any job."""
