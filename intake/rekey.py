"""Key rotation: re-seal personal data under the current data key (`flask --app bot keys rotate`).

After a new key is put first in DATA_KEYS (the old one kept after it), new values are sealed with
it at once and old ones still open; this re-seals the old ones, batch by batch, so that the old
key can then be dropped. `rehash` also recomputes the phone hashes (after PHONE_HASH_KEY changed:
lookups by phone fail until it has run).
"""

from __future__ import annotations

from sqlalchemy import bindparam, column, not_, or_, select, table, update
from sqlalchemy.engine import Connection

from intake.crypto import PREFIX, Keyring, phone_hash_or_none

# table -> (sealed columns, {address column: its hash column}): every column intake.orm seals.
SEALED: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "identities": (("address",), {"address": "address_hash"}),
    "messages": (("address", "body"), {"address": "address_hash"}),
    "cases": (("summary", "details", "other_party_phone"), {"other_party_phone": "other_party_phone_hash"}),
    "case_notes": (("body",), {}),
    "conversations": (("data",), {}),
}
BATCH = 500


def reseal(conn: Connection, keyring: Keyring, *, rehash: bool = False) -> dict[str, int]:
    """Re-seal every value not sealed with the current key (and, with `rehash`, every address's
    hash); commits after each batch. Returns the rows rewritten per table."""
    current = f"{PREFIX}:{keyring.current_id}:%"
    done: dict[str, int] = {}
    for name, (columns, hashes) in SEALED.items():
        t = table(name, column("id"), *(column(c) for c in (*columns, *hashes.values())))
        stale = or_(*(not_(t.c[c].like(current)) & (t.c[c] != "") for c in columns))
        last, count = 0, 0
        while True:
            where = [t.c.id > last] if rehash else [t.c.id > last, stale]
            rows = conn.execute(
                select(t.c.id, *(t.c[c] for c in columns)).where(*where).order_by(t.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            last = rows[-1].id
            params = []
            for row in rows:
                values: dict[str, object] = {"_id": row.id}
                for c in columns:
                    stored = getattr(row, c)
                    context = f"{name}.{c}"
                    plain = keyring.decrypt(stored, context) if stored else stored
                    values[f"v_{c}"] = keyring.encrypt(plain, context) if plain else stored
                    if c in hashes:
                        values[f"v_{hashes[c]}"] = phone_hash_or_none(keyring, plain)
                params.append(values)
            cols = [*columns, *hashes.values()]
            conn.execute(
                update(t).where(t.c.id == bindparam("_id")).values({c: bindparam(f"v_{c}") for c in cols}),
                params,
            )
            conn.commit()
            count += len(params)
        done[name] = count
    return done


def key_use(conn: Connection) -> dict[str, int]:
    """How many sealed values each key id holds, across every sealed column."""
    use: dict[str, int] = {}
    for name, (columns, _) in SEALED.items():
        t = table(name, *(column(c) for c in columns))
        for c in columns:
            for (value,) in conn.execute(select(t.c[c]).where(t.c[c].like(f"{PREFIX}:%"))):
                kid = value.split(":", 2)[1]
                use[kid] = use.get(kid, 0) + 1
    return use
