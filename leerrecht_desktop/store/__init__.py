"""Local persistence: SQLAlchemy over SQLite, Alembic migrations, the encrypted record store."""
