"""Fraud rules: pure functions over facts the hub gathers, each returning a verdict.

Empty until the fraud issue lands (see DESIGN.md, Fraud). Like ``hub.domain`` it will import
no SQLAlchemy, gRPC or protobuf; the hub calls it from ``Earn`` and ``AuthorizeRedemption``.
"""
