"""The event relay: publishes the outbox to NATS JetStream and to partners' HTTPS webhooks.

Background work of the hub's operator, beside the hub: it reads the outbox and its own
progress from the database directly (``store``), never through a till's path. Each
destination (NATS; each partner's webhook) has its own progress, advanced only after a
delivery was acknowledged, so a relay killed at any moment resumes from the last acknowledged
event: every event arrives at least once, and consumers drop repeats by the event's id (NATS
does it for its own consumers: the message id is the event's id).

A webhook's secret is stored sealed with the hub's data key and opened only here
(``store.webhooks``). A new webhook starts after the last event written when it was set (or an
operator's ``--from``): the relay applies that start to the webhook's progress at its next
pass, so a partner never receives its whole history by surprise. Events every destination
acknowledged are pruned after ``HUB_OUTBOX_RETENTION_DAYS`` (``retention``).
"""
