"""No message text or phone number in the errors a database failure produces."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from intake.unit_of_work import make_engine


def test_database_errors_do_not_carry_the_statement_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO m (body) VALUES (:b)"), {"b": "my husband beats me +85512345678"})
    with pytest.raises(IntegrityError) as err, engine.begin() as conn:
        conn.execute(text("INSERT INTO m (body) VALUES (:b)"), {"b": "my husband beats me +85512345678"})
    assert "husband" not in str(err.value) and "+855" not in str(err.value)
    assert "hidden due to hide_parameters" in str(err.value)
