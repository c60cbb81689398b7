"""Puts the toy project on sys.path: the plugin imports its provider module from its cwd, tests do too."""

import sys
from pathlib import Path

TOY = str(Path(__file__).parent / "toy")
if TOY not in sys.path:
    sys.path.insert(0, TOY)
