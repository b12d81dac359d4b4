"""Set arithmetic on sorted half-open UTC spans, and a fast overlap index."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime

from .localtime import Span


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge overlapping or touching spans.

    Merging touching spans is safe for half-open intervals: [a, b) and
    [b, c) together are exactly [a, c).
    """
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(spans: list[Span], cuts: list[Span]) -> list[Span]:
    """``spans`` minus ``cuts``; both must be merged (sorted, disjoint)."""
    result: list[Span] = []
    for start, end in spans:
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_start >= end:
                break  # cuts are sorted: none further can touch this span
            if cut_end <= cursor:
                continue
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = cut_end
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


class OverlapIndex:
    """Answers "does [a, b) overlap any stored span?" in O(log n).

    Spans are merged once, so they are disjoint and both their starts and
    their ends are sorted: the only candidate is the first span ending after
    ``a``.  This keeps slot listing at O(candidates * log n) instead of
    O(candidates * appointments).
    """

    __slots__ = ("_starts", "_ends")

    def __init__(self, spans: Iterable[Span]) -> None:
        merged = merge(spans)
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_right(self._ends, start)  # first span with end > start
        return index < len(self._starts) and self._starts[index] < end
