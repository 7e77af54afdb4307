"""Nightly settlement: set-based batch jobs over the hub's database, through ``hub.adapters``.

Empty until the settlement issue lands (see DESIGN.md, Settlement). The ledger already keeps
what it needs: the rates each transaction used, and lots naming their issuing partner.
"""
