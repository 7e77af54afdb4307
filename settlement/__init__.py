"""Nightly settlement: what each partner owes and is owed for a closed business day.

Pure parts live here (business days, netting, statements, signatures, partners' reports);
the set-based SQL runs in ``hub.adapters.repositories.settlement`` and the use cases in
``hub.services.settlement``. See DESIGN.md (Money model, Settlement) and the README.
"""
