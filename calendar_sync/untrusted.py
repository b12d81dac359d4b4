"""Text that came from a remote calendar (or its server) made safe to print and to log.

A calendar's content reaches error messages (a parser quotes the line it could not read), and
those reach `creneau calendar list`, `creneau sync --once` and the logs: an escape sequence
there could rewrite the operator's terminal or forge log lines. Every control or format
character (C0, C1, DEL, bidi overrides, line separators) is shown as an escape instead.
"""

from __future__ import annotations

import unicodedata

MAX_CHARS = 1000


def printable(text: str, limit: int = MAX_CHARS, *, keep_newlines: bool = False) -> str:
    out = []
    for char in text[:limit]:
        if keep_newlines and char == "\n":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out) + ("…" if len(text) > limit else "")
