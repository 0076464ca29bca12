"""A user's mistake ends in one line and exit code 2; a bug of ours keeps its traceback.

User mistakes are what gan_lab raises about its input — a bad setting (ValueError naming the key),
a missing file or folder, a required config value left unset — and the same errors when Hydra's
`instantiate` wraps them. `HYDRA_FULL_ERROR=1` shows the whole traceback of either.
"""

from __future__ import annotations

import os
import sys

from hydra.errors import InstantiationException
from omegaconf.errors import MissingMandatoryValue

USAGE_EXIT_CODE = 2
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, MissingMandatoryValue)


def user_error_message(error: BaseException, choices: dict[str, str] | None = None) -> str | None:
    """The one-line message for a user's mistake, or None when `error` is not one (a bug)."""
    while isinstance(error, InstantiationException) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, MissingMandatoryValue):
        key = error.full_key or "a value"
        group = key.split(".")[0]
        chosen = f" for {group}={choices[group]}" if choices and choices.get(group) else ""
        return f"{key} is required{chosen}: set {key}=..."
    if isinstance(error, USER_ERRORS):
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


def exit_on_user_error(program: str, error: BaseException, choices: dict[str, str] | None = None) -> None:
    """Print `program: message` and exit with code 2 when `error` is a user's mistake (unless
    HYDRA_FULL_ERROR=1); otherwise return, so that the caller re-raises it with its traceback."""
    message = user_error_message(error, choices)
    if message is None or os.environ.get("HYDRA_FULL_ERROR") == "1":
        return
    print(f"{program}: {message}", file=sys.stderr)
    sys.exit(USAGE_EXIT_CODE)
