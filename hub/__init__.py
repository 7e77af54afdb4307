"""The coalition hub: a central gRPC service where partner brands earn and burn shared points.

Packages, inner to outer: ``hub.domain`` (pure rules), ``hub.services`` (use cases),
``hub.adapters`` (database), ``hub.api`` (gRPC edge), ``hub.cli`` (the ``hub`` command);
``hub.bootstrap`` wires them together.
"""
