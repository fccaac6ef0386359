"""The database adapter: SQLAlchemy Core tables, Alembic migrations, repositories, unit of work."""
