"""devtools.frame_stack keeps CPython's freed frame-stack chunks for reuse: calls that go back and
forth across a chunk's edge stop mapping and unmapping memory (page faults, system time)."""
import subprocess
import sys

from devtools import frame_stack

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]

OSCILLATE = """
import resource, sys
sys.setrecursionlimit(5000)
if sys.argv[1] == "keep":
    from devtools import frame_stack
    assert frame_stack.install() and frame_stack.install()      # a second install changes nothing
def down(n):
    return 0 if n == 0 else down(n - 1) + 1
down(600)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(2000):
    assert down(600) == 600
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", OSCILLATE, mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    return int(out.stdout.split()[-1])


def test_calls_across_a_chunk_edge_reuse_kept_chunks_instead_of_faulting_pages_in():
    shipped, kept = _page_faults("ship"), _page_faults("keep")
    assert shipped > 2000 * 4          # each of the 2,000 descents mapped chunks afresh
    assert kept < shipped / 20


def test_the_test_process_runs_with_chunks_kept():
    assert frame_stack.install()
    assert 0 <= frame_stack.kept() <= 32
