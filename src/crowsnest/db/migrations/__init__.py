"""Alembic migrations of the crowsnest schema (run with ``crowsnest db upgrade``)."""
