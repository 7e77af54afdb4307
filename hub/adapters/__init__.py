"""Database adapters: SQLAlchemy tables, the unit of work, repositories and migrations."""
