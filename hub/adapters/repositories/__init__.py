"""Repositories: map domain objects to rows through ``hub.adapters.sql.Sql``."""
