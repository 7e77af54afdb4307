"""Pure domain: money, ledger, partners, members. Imports no SQLAlchemy, gRPC or protobuf."""
