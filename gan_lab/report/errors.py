"""The one error a report raises for bad input: it names the directory, file or argument at fault."""


class ReportError(Exception):
    """A report cannot be made from what it was given (the message says which path or option)."""
