"""A bounded worker pool whose results keep the order of the work items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")


def in_order(items: Sequence[_T], work: Callable[[_T], _R], workers: int, *,
             name: str = "group") -> list[_R]:
    """``work`` on every item, at most ``workers`` at a time; results in the items' order."""
    if not items:
        return []
    if workers <= 1 or len(items) == 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items)),
                            thread_name_prefix=name) as pool:
        return list(pool.map(work, items))
