"""Frame-stack chunks kept for reuse in this process: the local stack's and the tests' CPU.

CPython 3.11 keeps each thread's Python frames in 16 KB chunks and unmaps a chunk as soon as the
frame at its base returns, so code whose calls go back and forth across a chunk's edge maps and
unmaps 16 KB (and faults its pages in again) every time: CPython gh-142183, fixed in 3.13 and 3.14
by keeping one chunk; 3.11 gets only security fixes. Deep call chains (pytest, Chalice's test
client, botocore, moto) cross those edges constantly: one review-chain test module made 51,000
mmap/munmap pairs and 1.6 million page faults, 16.6 s of system time in a 56 s run.

`install()` puts `frame_stack.c` in front of the object arena allocator: freed chunks are kept
and handed out again. It is compiled with the machine's C compiler on first use (cached in the
virtualenv); without a compiler nothing changes and everything still works, only slower. Dev
tooling only: the product never loads it (Lambda's Python is whatever AWS runs).
"""
import ctypes
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_SOURCE = Path(__file__).with_name("frame_stack.c")
_LOADED: list = []


class _ArenaAllocator(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p)]


def _library_path() -> Path:
    digest = hashlib.sha256(_SOURCE.read_bytes() + sys.version.encode()).hexdigest()[:16]
    folder = Path(sys.prefix) / "lib"
    if not os.access(folder, os.W_OK):
        folder = Path(tempfile.gettempdir())
    return folder / f"frame_stack-{digest}.so"


def _build(target: Path) -> bool:
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", "-o", str(partial),
                        str(_SOURCE), "-lpthread"], check=True, capture_output=True, timeout=120)
        os.replace(partial, target)      # several processes may build at once: each lands whole
        return True
    except (OSError, subprocess.SubprocessError):
        partial.unlink(missing_ok=True)
        return False


def install() -> bool:
    """Keep frame-stack chunks in this process; True if the keeping allocator is in place."""
    if _LOADED:
        return True
    if sys.implementation.name != "cpython" or not sys.platform.startswith("linux"):
        return False
    target = _library_path()
    if not target.exists() and not _build(target):
        return False
    library = ctypes.CDLL(str(target))
    allocator = _ArenaAllocator()
    ctypes.pythonapi.PyObject_GetArenaAllocator(ctypes.byref(allocator))
    if library.frame_stack_wrap(ctypes.byref(allocator)):
        ctypes.pythonapi.PyObject_SetArenaAllocator(ctypes.byref(allocator))
    _LOADED.append(library)
    return True


def kept() -> int:
    """How many freed chunks are kept right now (0 when not installed)."""
    return _LOADED[0].frame_stack_kept() if _LOADED else 0
