"""Full-text search over the encrypted records (SQLite FTS5 inside SQLCipher)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..storage.db import Connection
from . import store

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_RESULTS = 50


@dataclass(frozen=True)
class Hit:
    record_id: str
    type: str
    mentee_id: str | None
    title: str
    when: str
    snippet: str


def fts_query(text: str) -> str | None:
    """Every word the person typed, each as a prefix: 'jobc sam' finds 'Jobcentre with Sam'."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words[:12])


def ids_of_type(conn: Connection, text: str, rtype: str) -> set[str]:
    """Every record of one type matching the words, however many: a list of one type (the directory)
    is filtered by it, so it must not be cut short by matches among other types."""
    query = fts_query(text)
    if query is None:
        return set()
    rows = conn.execute("SELECT record_id FROM search_index WHERE search_index MATCH ? AND type = ?", (query, rtype))
    return {rid for (rid,) in rows}


def search(conn: Connection, text: str, limit: int = MAX_RESULTS) -> list[Hit]:
    query = fts_query(text)
    if query is None:
        return []
    rows = conn.execute(
        "SELECT record_id, type, mentee_id, snippet(search_index, 3, '[', ']', '…', 8) "
        "FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT ?",
        (query, limit),
    ).fetchall()
    hits = []
    for rid, rtype, mentee_id, snippet in rows:
        stored = store.get(conn, rid)
        if stored is None:
            continue
        when = stored.when if rtype != "mentee" else ""
        hits.append(Hit(rid, rtype, mentee_id, stored.title, when, " ".join(snippet.split())))
    return hits
