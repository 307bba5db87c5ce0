"""One exception family; every user-facing error reads ``path:line:col: clé : message — conseil``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One defect found in an input file, located and explained in French."""

    path: str
    line: int
    column: int
    key: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        """Return the one-line French form ``path:line:col: clé : message — conseil``."""
        where = f"{self.path}:{self.line}:{self.column}: "
        what = f"{self.key} : {self.message}" if self.key else self.message
        return where + what + (f" — {self.hint}" if self.hint else "")


class ConvgenError(Exception):
    """Raised when convgen cannot do what was asked; the message is French and complete."""

    exit_code = 1


class DataError(ConvgenError):
    """Raised when one or more input files (YAML data, registers) are invalid; lists every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateError(ConvgenError):
    """Raised when a template is unreadable, has a Jinja syntax error or names an unknown field."""


class RenderError(ConvgenError):
    """Raised when a document cannot be rendered or a rendered document fails its checks."""


class BrokenOutputError(RenderError):
    """Raised when LibreOffice's output is not a readable PDF; a fresh worker may do better (the pool retries)."""


class ConversionError(ConvgenError):
    """Raised when LibreOffice fails to convert a document, even after a retry on a fresh worker."""


class SetupError(ConvgenError):
    """Raised when a system dependency (LibreOffice, fonts, poppler) is missing or too old."""


class LockError(ConvgenError):
    """Raised when another convgen run holds the project's lock for too long."""


class AmendError(ConvgenError):
    """Raised when a change of the data cannot be made by avenant (a SIREN changed: a new convention)."""


class RegisterError(ConvgenError):
    """Raised when the register of signed acts cannot do what was asked.

    No act waiting for signature, a draft, a date or a number out of turn, a signed file that cannot be read,
    found or archived, an act that fails its verification.
    """


class ArchiveError(ConvgenError):
    """Raised when a transfer package for the archives cannot be made (``archives`` key missing, a package there)."""


class GitError(ConvgenError):
    """Raised when the project is not in a git repository, or a revision cannot be found or read."""


class RenewError(ConvgenError):
    """Raised when a renewal of the programme's period is refused (dates, uncommitted changes, acts without files)."""


class SignatureError(ConvgenError):
    """Raised when a PDF cannot be signed, or a signed PDF is not the act built or carries an invalid signature."""


class Interrupted(ConvgenError):
    """Raised when the run is stopped by SIGINT or SIGTERM; the exit code follows the signal."""

    def __init__(self, signum: int) -> None:
        self.exit_code = 128 + signum
        super().__init__("Interrompu : aucun fichier partiel n’a été laissé dans build/.")
