"""Loaded (via PYTHONPATH) into the program and plugin processes of the bench's whole-program runs.

Works around a Pulumi Python SDK bug that stops any program at about its 985th dynamic resource:
`pulumi.dynamic.dynamic.serialize_provider` wraps `pickle._Pickler._batch_setitems` in a new
sorting wrapper on every call and never restores it, so the n-th resource pickles its provider
through n nested wrappers and the default recursion limit (1000) is hit. Raising the limit keeps
the SDK's behaviour (and its cost, which the bench then measures) but lets 1,000 jobs register.
"""

import sys

sys.setrecursionlimit(20000)
