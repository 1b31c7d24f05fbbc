"""Where things are: the repository root, and axe-core as the built web frontend installs it."""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
