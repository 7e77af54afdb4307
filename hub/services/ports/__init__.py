"""The ports the use cases need from storage: a unit of work holding the repositories.

One module per port, mirroring ``hub.adapters.repositories``, each with the values its port
returns: ``unit_of_work`` (``UnitOfWork``, ``UnitOfWorkFactory``) holds the repositories of
``idempotency``, ``partners``, ``members``, ``rules``, ``ledger``, ``lots``, ``holds``,
``audit``, ``credentials``, ``contacts``, ``fraud``, ``reviews``, ``settlement`` and
``reconciliation``; ``reads`` says how reads sent together name rows before their ids are known
(``Later``, ``MemberKey``), and ``conflicts`` how a transaction that may succeed if run again
fails. Nothing is re-exported here: importers name the module they need.
"""
