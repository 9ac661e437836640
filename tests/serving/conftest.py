"""The serving tests' fixtures, from `tests.fixtures.serving`."""

from tests.fixtures.serving import on_store, serve_index, store

__all__ = ["on_store", "serve_index", "store"]
