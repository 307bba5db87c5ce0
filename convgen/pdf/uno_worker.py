"""Drive one headless LibreOffice over UNO; JSON lines on stdin/stdout (runs under Debian's python3)."""

# This file is executed by path with ``/usr/bin/python3 -I``: it imports only ``uno`` and the
# standard library, never convgen, because python3-uno exists only for Debian's interpreter.

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any

PR_SET_CHILD_SUBREAPER = 36
PAUSE_VARIABLE = "CONVGEN_TEST_PAUSE"  # test hook: seconds to sleep before each conversion
PIPE_FOLDERS = ("/tmp", "/var/tmp")  # where LibreOffice (sal/osl) puts its pipe sockets

_out_lock = threading.Lock()


def send(message: dict[str, Any]) -> None:
    """Write one JSON line to the parent."""
    with _out_lock:
        sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def become_subreaper() -> None:
    """Adopt orphaned descendants (oosplash's soffice.bin, gpg helpers) so they can be reaped here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def reap_forever() -> None:
    """Reap every child and adopted orphan as soon as it exits."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            time.sleep(0.05)
        except InterruptedError:
            continue


def group_members(pgid: int) -> list[int]:
    """Return the pids (zombies included) whose process group is ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def group_rss_kb(pgid: int) -> int:
    """Return the summed resident memory of a process group, in KiB."""
    total = 0
    for pid in group_members(pgid):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def kill_group(pgid: int, grace: float = 3.0) -> None:
    """Kill a process group and wait until the reaper has collected every member."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def office_sockets(pipe: str, profile_url: str) -> list[str]:
    """Return the socket files LibreOffice creates: the UNO pipe and the profile's single-instance pipe."""
    # LibreOffice names the latter after the MD5 of the profile URL in UTF-16, in unpadded hex.
    digest = hashlib.md5(profile_url.encode("utf-16-le")).digest()
    names = [pipe, "SingleOfficeIPC_" + "".join(format(byte, "x") for byte in digest)]
    return [os.path.join(folder, f"OSL_PIPE_{os.getuid()}_{name}") for folder in PIPE_FOLDERS for name in names]


def remove_sockets(paths: list[str]) -> None:
    """Remove the pipe sockets a killed LibreOffice leaves behind."""
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def remove_own_folder() -> None:
    """Remove the worker's folder (our working directory: profile, log) once the parent that owns it is gone."""
    folder = os.getcwd()
    if os.path.basename(folder).startswith("convgen-lo-"):
        shutil.rmtree(folder, ignore_errors=True)


def watch_parent(parent: int, pgid: int, sockets: list[str]) -> None:
    """Kill LibreOffice and exit when the process that started us is gone."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            kill_group(pgid)
            remove_sockets(sockets)
            remove_own_folder()
            os._exit(3)


def prop(uno: Any, name: str, value: Any) -> Any:
    """Return a com.sun.star.beans.PropertyValue."""
    result = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    result.Name = name
    result.Value = value
    return result


def connect(uno: Any, pipe: str, process: subprocess.Popen[bytes], timeout: float) -> Any:
    """Poll the named pipe until LibreOffice answers; return its Desktop."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise TimeoutError(f"LibreOffice n’a pas répondu en {timeout:.0f} s") from None
            if process.poll() not in (None, 0, 81):
                raise RuntimeError(f"LibreOffice s’est arrêté au démarrage (code {process.returncode})") from None
            time.sleep(0.02)
    manager = context.ServiceManager
    desktop = manager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    return context, desktop


def product_version(uno: Any, context: Any) -> str:
    """Return LibreOffice's version, e.g. ``7.4.7.2``."""
    provider = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", context
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationAccess",
        (prop(uno, "nodepath", "/org.openoffice.Setup/Product"),),
    )
    return str(access.getByName("ooSetupVersionAboutBox"))


def page_count(document: Any) -> int | None:
    """Return the document's page count as laid out now, or None when LibreOffice cannot tell."""
    try:
        return int(document.getCurrentController().getPropertyValue("PageCount"))
    except Exception:
        return None


def convert(uno: Any, desktop: Any, request: dict[str, Any]) -> None:
    """Load one document hidden, update its indexes and fields, export it as PDF/A-2b.

    The table of contents the PDF prints is read afterwards from its outline, by the pool (``pdf/outline.py``).
    """
    load_props = (
        prop(uno, "Hidden", True),
        prop(uno, "ReadOnly", False),
        prop(uno, "UpdateDocMode", 0),  # com.sun.star.document.UpdateDocMode.NO_UPDATE
        prop(uno, "MacroExecutionMode", 0),  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
        prop(uno, "FilterName", request["filter"]),
    )
    try:
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(request["input"]), "_blank", 0, load_props)
    except Exception as error:
        if is_bridge_failure(error) or not alive(desktop):
            raise
        raise LoadError(describe(error)) from None
    if document is None:
        if not alive(desktop):
            raise RuntimeError("LibreOffice ne répond plus")
        raise LoadError("document illisible ou corrompu")
    try:
        if hasattr(document, "getDocumentIndexes"):
            indexes = document.getDocumentIndexes()
            # A second pass only when the first changed the page count: a longer table of contents
            # moves the pages it lists (the templates store a table of the right length, so it seldom does).
            for _ in range(2 if indexes.getCount() else 0):
                before = page_count(document)
                for position in range(indexes.getCount()):
                    indexes.getByIndex(position).update()
                if hasattr(document, "getTextFields"):
                    document.getTextFields().refresh()
                document.refresh()
                if before is not None and page_count(document) == before:
                    break
        filter_data = uno.Any(
            "[]com.sun.star.beans.PropertyValue",
            (
                prop(uno, "SelectPdfVersion", 2),
                prop(uno, "UseTaggedPDF", True),
                prop(uno, "ExportBookmarks", True),
                # Word bookmarks become named destinations: they place the signature fields without text search.
                prop(uno, "ExportBookmarksToPDFDestination", True),
                prop(uno, "ExportNotes", False),
                # Flate only: otherwise each picture is also JPEG-encoded, to keep the smaller of the two
                # (Flate, for the figures' flat colours): 50 ms per convention spent for the same bytes.
                prop(uno, "UseLosslessCompression", True),
            ),
        )
        store_props = (
            prop(uno, "FilterName", "writer_pdf_Export"),
            prop(uno, "FilterData", filter_data),
            prop(uno, "Overwrite", True),
        )
        uno.invoke(document, "storeToURL", (uno.systemPathToFileUrl(request["output"]), store_props))
    finally:
        try:
            document.close(True)
        except Exception:
            with contextlib.suppress(Exception):
                document.dispose()


class LoadError(Exception):
    """Raised when LibreOffice refuses the document itself (the worker stays healthy)."""


def describe(error: BaseException) -> str:
    """Return a short description of a UNO exception."""
    message = getattr(error, "Message", "") or str(error)
    return f"{type(error).__name__}: {message}".strip()


def is_bridge_failure(error: BaseException) -> bool:
    """Tell whether an exception says that the UNO connection to LibreOffice is gone."""
    name = type(error).__name__.rsplit(".", 1)[-1]
    return name in {"DisposedException", "RuntimeException"} or "disposed" in str(error).lower()


def alive(desktop: Any) -> bool:
    """Tell whether LibreOffice still answers over UNO."""
    try:
        desktop.getFrames().getCount()
    except Exception:
        return False
    return True


def main() -> int:
    """Start LibreOffice, then convert one document per request line until stdin closes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--soffice", required=True)
    parser.add_argument("--pipe", required=True)
    parser.add_argument("--profile-url", required=True)
    parser.add_argument("--start-timeout", type=float, default=30.0)
    args = parser.parse_args()

    try:
        import uno  # reported to the parent as a setup problem when missing
    except ImportError as error:
        send({"event": "fatal", "kind": "setup", "message": f"module uno introuvable ({error})"})
        return 2

    parent = os.getppid()
    become_subreaper()
    threading.Thread(target=reap_forever, daemon=True).start()

    command = [
        args.soffice,
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        f"--accept=pipe,name={args.pipe};urp;StarOffice.ComponentContext",
        f"-env:UserInstallation={args.profile_url}",
    ]
    try:
        office = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        send({"event": "fatal", "kind": "setup", "message": f"{args.soffice} : {error.strerror}"})
        return 2
    pgid = office.pid
    sockets = office_sockets(args.pipe, args.profile_url)
    # Whatever ends this process (stdin closed, the parent gone and our pipe broken, any error), LibreOffice
    # goes with it: nothing else would kill it once we are gone.
    try:
        threading.Thread(target=watch_parent, args=(parent, pgid, sockets), daemon=True).start()
        send({"event": "spawned", "pgid": pgid})
        return serve(uno, args, office, pgid)
    except (BrokenPipeError, ConnectionError):
        return 3  # the parent is gone
    finally:
        kill_group(pgid)
        remove_sockets(sockets)
        if os.getppid() != parent:  # orphaned: nobody else will remove our folder
            remove_own_folder()


def serve(uno: Any, args: argparse.Namespace, office: subprocess.Popen[bytes], pgid: int) -> int:
    """Connect to LibreOffice, then convert one document per request line until stdin closes."""
    try:
        context, desktop = connect(uno, args.pipe, office, args.start_timeout)
        version = product_version(uno, context)
    except Exception as error:
        send({"event": "fatal", "kind": "start", "message": describe(error)})
        return 1
    send({"event": "ready", "pgid": pgid, "version": version, "rss_kb": group_rss_kb(pgid)})

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pause = float(os.environ.get(PAUSE_VARIABLE, "0") or 0)
        if pause:
            time.sleep(pause)
        started = time.monotonic()
        try:
            convert(uno, desktop, request)
        except LoadError as error:
            send({"id": request["id"], "ok": False, "kind": "load", "message": str(error)})
            continue
        except Exception as error:
            kind = "bridge" if is_bridge_failure(error) or not alive(desktop) else "export"
            send({"id": request["id"], "ok": False, "kind": kind, "message": describe(error)})
            if kind == "bridge":
                break
            continue
        send(
            {
                "id": request["id"],
                "ok": True,
                "seconds": time.monotonic() - started,
                "rss_kb": group_rss_kb(pgid),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
