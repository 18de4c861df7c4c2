"""Storage: SQLAlchemy models, engine, repositories (all queries live here), migrations."""
