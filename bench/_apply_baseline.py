"""The baseline for bench/apply.py: the least applying stored `charge.succeeded` events can do, in plain sqlite3.

The same schema as the bot's (a copy of its migrated database) and the same pragmas (WAL, synchronous=FULL).
The events are stored as rows first; then, 50 to a transaction, each one is parsed, its customer is found by
email or created, its payment inserted, its sales card queued in the outbox and the event marked applied. No
ORM, no de-duplication of payments across events, no retries, no quarantine: serve cannot apply faster and
keep its guarantees, so its pace is compared with this.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apply import Applied

BATCH = 50


def apply_plainly(path: Path, events: list[dict[str, Any]]) -> Applied:
    from apply import Applied

    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT INTO inbound_events (provider, event_id, event_type, payload, status, attempts, received_at) "
        "VALUES ('stripe', ?, ?, ?, 'pending', 0, ?)",
        [(e["id"], e["type"], json.dumps(e), now) for e in events],
    )
    db.execute("COMMIT")
    t0, cpu0 = time.monotonic(), time.thread_time()
    applied = 0
    while True:
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute(
            "SELECT id, payload FROM inbound_events WHERE status = 'pending' ORDER BY id LIMIT ?", (BATCH,)
        ).fetchall()
        for event_id, payload in rows:
            charge = json.loads(payload)["data"]["object"]
            email = charge["billing_details"]["email"].lower()
            db.execute(
                "INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING",
                (email, charge["billing_details"]["name"], now),
            )
            (customer_id,) = db.execute("SELECT id FROM customers WHERE email = ?", (email,)).fetchone()
            (payment_id,) = db.execute(
                "INSERT INTO payments (provider, provider_payment_id, charge_id, customer_id, amount_minor, currency,"
                " amount_refunded_minor, product, payer_email, livemode, paid_at) "
                "VALUES ('stripe', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id",
                (
                    charge["payment_intent"],
                    charge["id"],
                    customer_id,
                    charge["amount"],
                    charge["currency"].upper(),
                    charge["description"],
                    email,
                    charge["livemode"],
                    now,
                ),
            ).fetchone()
            db.execute(
                "INSERT INTO outbox (dedupe_key, channel, kind, subject_type, subject_id, payload, status, attempts,"
                " maybe_sent, not_before, created_at) "
                "VALUES (?, 'C0SALES', 'post_card', 'sale', ?, '{}', 'pending', 0, 0, ?, ?)",
                (f"sale:{payment_id}:card", payment_id, now, now),
            )
            db.execute("UPDATE inbound_events SET status = 'applied', processed_at = ? WHERE id = ?", (now, event_id))
        db.execute("COMMIT")
        if not rows:
            break
        applied += len(rows)
    seconds, cpu = time.monotonic() - t0, time.thread_time() - cpu0
    db.close()
    return Applied("plain sqlite3", applied, seconds, cpu)
