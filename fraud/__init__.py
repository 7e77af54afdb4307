"""Fraud rules: pure functions over facts the hub gathers, each returning a verdict.

The hub gathers an ``Attempt`` (the operation at the till) and its ``ActivityFacts`` (recent
windows of the member's, the terminal's and the cashier's activity) in one indexed read, and
``assess`` turns them, under the partner's ``FraudThresholds``, into an ``Assessment``: ALLOW,
REVIEW (the operation goes through and a flag is raised) or DENY (nothing is posted). The
nightly pass looks at patterns that span days (``assess_farming``,
``assess_dormant_burn``).

Like ``hub.domain``, this package imports no SQLAlchemy, gRPC or protobuf.
"""
