"""Read the data files and templates of the project as they were at a git revision, without checkout.

Only the object database is read (``git ls-tree`` then ``git cat-file --batch``): the working tree,
dirty or not, is never touched. Paths are POSIX paths relative to the project folder, which may be a
sub-folder of the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from convgen.errors import GitError, SetupError

DEFAULT_BRANCH = "main"
TOP_LEVEL = ("departement.yaml", "epci", "registre", "templates")
GIT_TIMEOUT = 60


@dataclass(frozen=True)
class Revision:
    """A commit to compare with: the name the user gave (or the default branch) and its hash."""

    name: str
    commit: str
    merge_base: bool = False
    """True when the commit is where the current branch left ``name``, not ``name`` itself."""

    @property
    def short(self) -> str:
        """Return the abbreviated hash (12 characters)."""
        return self.commit[:12]


def is_project_file(path: str) -> bool:
    """Return True for the files a review compares: data, registers and DOCX templates."""
    parts = PurePosixPath(path).parts
    if parts == ("departement.yaml",):
        return True
    if len(parts) < 2:
        return False
    if parts[0] == "epci":
        return True  # every entry: the loader explains misnamed files and folders
    if parts[0] == "registre":
        return len(parts) == 2 and parts[1].endswith(".yaml")
    if parts[0] == "templates":
        return len(parts) == 2 and parts[1].endswith(".docx") and not parts[1].startswith("~$")
    return False


def resolve_base(root: Path, base: str | None) -> Revision:
    """Return the revision to compare with: ``base`` as given, or where the branch left main."""
    _check_repository(root)
    if base is not None:
        commit = _commit_of(root, base)
        if commit is None:
            raise GitError(
                f"révision « {base} » introuvable dans le dépôt git — vérifiez son nom "
                f"(git branch -a) ; en intégration continue, récupérez tout l’historique (fetch-depth: 0)."
            )
        return Revision(base, commit)
    if _commit_of(root, "HEAD") is None:
        raise GitError(
            "le dépôt git n’a encore aucun commit : rien à comparer — enregistrez d’abord les données (git commit)."
        )
    for branch in (f"origin/{DEFAULT_BRANCH}", DEFAULT_BRANCH):
        if _commit_of(root, branch) is None:
            continue
        merge_base = _git(root, "merge-base", "HEAD", branch, check=False)
        if merge_base.returncode != 0:
            raise GitError(
                f"la branche courante n’a aucun commit en commun avec « {branch} » — "
                "précisez la révision de référence avec --base."
            )
        return Revision(branch, merge_base.stdout.decode().strip(), merge_base=True)
    raise GitError(
        f"ni « origin/{DEFAULT_BRANCH} » ni « {DEFAULT_BRANCH} » n’existent dans ce dépôt — "
        "précisez la révision de référence avec --base (par exemple --base origin/develop)."
    )


def read_revision(root: Path, commit: str) -> dict[str, bytes]:
    """Return the project files (data, registers, templates) at ``commit``, keyed by relative POSIX path."""
    _check_repository(root)
    listing = _git(root, "ls-tree", "-r", "-z", "--full-name", commit, "--", *TOP_LEVEL, check=False)
    if listing.returncode != 0:
        raise GitError(f"révision « {commit} » illisible : {_first_line(listing.stderr)}")
    prefix = _prefix(root)
    wanted: dict[str, str] = {}
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, object_id = meta.decode().split(" ")
        path = raw_path.decode("utf-8", "surrogateescape").removeprefix(prefix)
        if kind == "blob" and mode != "120000" and is_project_file(path):
            wanted[path] = object_id
    contents = _cat_blobs(root, list(wanted.values()))
    return {path: contents[object_id] for path, object_id in sorted(wanted.items())}


def read_working_tree(root: Path) -> dict[str, bytes]:
    """Return the project files as they are on disk (tracked or not), keyed by relative POSIX path."""
    files: dict[str, bytes] = {}
    for top in TOP_LEVEL:
        start = root / top
        candidates = [start] if start.is_file() else sorted(start.rglob("*")) if start.is_dir() else []
        for path in candidates:
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not path.is_symlink() and is_project_file(rel):
                files[rel] = path.read_bytes()
    return files


def select(files: Mapping[str, bytes], folder: str) -> dict[str, bytes]:
    """Return the files directly or indirectly under ``folder`` (or the file named ``folder``)."""
    return {path: data for path, data in files.items() if path == folder or path.startswith(folder + "/")}


def _check_repository(root: Path) -> None:
    """Raise GitError unless ``root`` lies inside a git working tree."""
    result = _git(root, "rev-parse", "--is-inside-work-tree", check=False)
    if result.returncode != 0 or result.stdout.strip() != b"true":
        raise GitError(
            f"{root} n’est pas dans un dépôt git : la revue compare les données à une révision git — "
            "lancez la commande depuis le dépôt des conventions (ou avec -C DOSSIER)."
        )


def _commit_of(root: Path, name: str) -> str | None:
    """Return the commit hash a name points to, or None when there is no such commit."""
    if name.startswith("-"):
        return None
    result = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}", check=False)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def _prefix(root: Path) -> str:
    """Return the path of ``root`` inside the repository, with a trailing slash ("" at the top)."""
    return _git(root, "rev-parse", "--show-prefix").stdout.decode("utf-8", "surrogateescape").strip()


def _cat_blobs(root: Path, object_ids: Sequence[str]) -> dict[str, bytes]:
    """Return the content of each blob, read in one ``git cat-file --batch`` call."""
    if not object_ids:
        return {}
    unique = list(dict.fromkeys(object_ids))
    result = _git(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in unique).encode())
    out = result.stdout
    contents: dict[str, bytes] = {}
    position = 0
    for oid in unique:
        header_end = out.index(b"\n", position)
        header = out[position:header_end].decode().split(" ")
        if len(header) != 3 or header[1] != "blob":
            raise GitError(f"objet git {oid} illisible ({' '.join(header)}) : le dépôt est-il complet ?")
        size = int(header[2])
        start = header_end + 1
        contents[oid] = out[start : start + size]
        position = start + size + 1  # content is followed by a newline
    return contents


def _git(root: Path, *args: str, check: bool = True, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git in ``root``; raise SetupError when git is missing, GitError when it fails and ``check``."""
    if shutil.which("git") is None:
        raise SetupError("git est introuvable : installez-le (sudo apt-get install git) puis relancez la commande.")
    if not root.is_dir():
        raise GitError(f"{root} : dossier introuvable.")
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=root,
            input=stdin,
            capture_output=True,
            env=env,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except OSError as exc:
        raise SetupError(f"git ne peut pas être lancé ({exc.strerror}) : vérifiez son installation.") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} ne répond pas après {GIT_TIMEOUT} s.") from None
    if check and result.returncode != 0:
        raise GitError(f"git {args[0]} a échoué : {_first_line(result.stderr)}")
    return result


def _first_line(stderr: bytes) -> str:
    """Return the first line of git's error output."""
    text = stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "erreur inconnue"
