"""Give the memory a finished step freed back to the system before the next step
loads its inputs.

The steps of a run share one process (the in-process executor). What a step frees
stays with the allocators that held it: CPython's, glibc's malloc (the pandas
frames' buffers and most Python strings) and Arrow's memory pool, none of which
return it unasked. The next step then starts from the last one's high-water mark
(at 200k rows, about 1.1 GiB where the live data were half that), and every
step's peak sits on top of it."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from contextlib import contextmanager
from functools import lru_cache

import pyarrow as pa


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


# the caches of per_value_cache: emptied by give_back_freed_memory
_PER_VALUE_CACHES: list = []


def per_value_cache(maxsize: int | None):
    """functools.lru_cache for what a stage computes per distinct value (a parsed
    place, phone or name), emptied between steps with the rest of what a step
    freed: a step's values are mostly not the next step's, and kept, the
    standardisation's caches held 0.08 GiB at 200k rows for the rest of the run."""
    def cached(function):
        wrapper = lru_cache(maxsize=maxsize)(function)
        _PER_VALUE_CACHES.append(wrapper)
        return wrapper
    return cached


def give_back_freed_memory() -> None:
    for cache in _PER_VALUE_CACHES:
        cache.cache_clear()
    gc.collect()  # frames kept alive only by reference cycles
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def run_allocations_only():
    """While the run lasts, a collection looks only at objects allocated since it began:
    those alive before it are frozen (gc.freeze), after one collection that frees what was
    garbage already, and go back to the collector when it ends, so none is kept for good."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
