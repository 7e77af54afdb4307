"""The composition root: builds the engine, unit of work, clock, hasher and use cases.

Nothing else creates an engine or binds a dependency; nothing here runs at import time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hub.adapters import connections
from hub.adapters.cache_refresher import CacheRefresher
from hub.adapters.database import create_engine
from hub.adapters.db_probe import DatabaseProbe
from hub.adapters.unit_of_work import SqlUnitOfWorkFactory
from hub.config import Settings
from hub.domain.clock import Clock, SystemClock
from hub.domain.contacts import Contact, ContactCipher
from hub.domain.currencies import currency
from hub.domain.members import IdentifierHasher
from hub.domain.webhook_secrets import WebhookSecretCipher
from hub.services import (
    access,
    accounts,
    api_keys,
    audit,
    contacts,
    credentials,
    earning,
    erasure,
    event_settings,
    events,
    fraud_queue,
    fraud_review,
    fraud_tuning,
    goodwill,
    ledger_check,
    member_keys,
    member_timeline,
    members,
    merge,
    nightly_fraud,
    ops_figures,
    partners,
    reconciliation,
    redemptions,
    refunds,
    rules,
    settlement,
    settlement_days,
    short_ids,
    sweeper,
    tiers,
)
from hub.services.admission_cache import AdmissionCache
from hub.services.commands import (
    EraseMember,
    MemberRef,
    MergeMembers,
    UnmergeMembers,
)
from hub.services.ports.ops import OpsFigures
from hub.services.ports.progress import SILENT, WorkProgress
from hub.services.results import (
    ContactsRekeyed,
    KeyUsage,
    MemberErased,
    MemberSummary,
    Merged,
    Unmerged,
)
from hub.services.rule_cache import RuleCache
from hub.services.settlement import SettlementSettings
from hub.services.use_cases import (
    FraudUseCases,
    GoodwillUseCases,
    OperatorUseCases,
    PartnerUseCases,
    SettlementUseCases,
)
from settlement.signing import StatementSigner


@dataclass(frozen=True)
class Hub:
    settings: Settings
    engine: sa.Engine
    uow_factory: SqlUnitOfWorkFactory
    clock: Clock
    zone: ZoneInfo
    operator: OperatorUseCases
    rules: RuleCache
    """The rules as last read, shared by every call of this process."""
    cache_refresher: CacheRefresher
    """Keeps this process's admission cache current; ``start_refreshing`` starts it."""
    database_probe: DatabaseProbe
    """Whether the database answers, from a background thread; a server starts it and
    reports it as readiness."""

    def start_refreshing(self) -> None:
        """Serve admission from memory from now on, kept current by a background thread
        (a server calls it; without it, every call reads its admission from the database)."""
        self.cache_refresher.start()

    def ops_figures(self) -> OpsFigures:
        """What the ops port's ``/metrics`` reads from the database (one unit of work)."""
        return ops_figures.read_figures(self.uow_factory, self.clock)

    def database_connections(self) -> tuple[int, int]:
        """Connections units of work hold now, and the most they may (SQLite: ``(0, 1)``,
        one writer at a time)."""
        if self.engine.dialect.name != "postgresql":
            return 0, 1
        pool = connections.for_engine(self.engine)
        return pool.in_use, pool.size

    def identifier_hasher(self) -> IdentifierHasher:
        """The identifier keyring, current key first (``ConfigError`` without one)."""
        return IdentifierHasher(*self.settings.identifier_keys())

    def contact_cipher(self) -> ContactCipher | None:
        """The data keyring, current key first; ``None`` when no data key is configured, and
        the hub then refuses contact data rather than keeping it unencrypted."""
        if not self.settings.data_key_hex:
            return None
        return ContactCipher(*self.settings.data_keys())

    def partner_api(self) -> PartnerUseCases:
        """The partner use cases; needs the identifier key (``ConfigError`` without it)."""
        hasher, cipher = self.identifier_hasher(), self.contact_cipher()
        uow, clock, zone = self.uow_factory, self.clock, self.zone
        fraud_checks = self.settings.fraud_checks
        return PartnerUseCases(
            enroll=partial(
                members.enroll_member,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                cipher=cipher,
                rules=self.rules,
                zone=zone,
            ),
            lookup=partial(members.lookup_member, uow_factory=uow, hasher=hasher),
            add_identifier=partial(
                members.add_identifier, uow_factory=uow, clock=clock, hasher=hasher
            ),
            update_contact=partial(
                members.update_contact, uow_factory=uow, clock=clock, hasher=hasher, cipher=cipher
            ),
            earn=partial(
                earning.earn,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                zone=zone,
                rules=self.rules,
                cipher=cipher,
                fraud_checks=fraud_checks,
            ),
            quote_earn=partial(
                earning.quote_earn,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                zone=zone,
                rules=self.rules,
                cipher=cipher,
            ),
            quote_burn=partial(
                earning.quote_burn,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                zone=zone,
                rules=self.rules,
            ),
            balance=partial(
                accounts.get_balance,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                rules=self.rules,
                zone=zone,
            ),
            transactions=partial(accounts.list_transactions, uow_factory=uow, hasher=hasher),
            authorize=partial(
                redemptions.authorize,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                zone=zone,
                rules=self.rules,
                fraud_checks=fraud_checks,
            ),
            capture=partial(redemptions.capture, uow_factory=uow, clock=clock),
            void=partial(redemptions.void, uow_factory=uow, clock=clock),
            get_hold=partial(redemptions.get_hold, uow_factory=uow, clock=clock),
            refund_earn=partial(
                refunds.refund_earn,
                uow_factory=uow,
                clock=clock,
                rules=self.rules,
                zone=zone,
                fraud_checks=fraud_checks,
            ),
            refund_redemption=partial(refunds.refund_redemption, uow_factory=uow, clock=clock),
            grant_event=partial(
                events.grant_event,
                uow_factory=uow,
                clock=clock,
                hasher=hasher,
                rules=self.rules,
                zone=zone,
            ),
        )

    def fraud_api(self) -> FraudUseCases:
        """The fraud analysts' use cases (the review service and ``hub fraud``)."""
        uow, clock, zone = self.uow_factory, self.clock, self.zone
        return FraudUseCases(
            list_flags=partial(fraud_queue.list_flags, uow_factory=uow, clock=clock),
            get_flag=partial(fraud_queue.get_flag, uow_factory=uow, clock=clock),
            account=partial(fraud_review.account, uow_factory=uow, clock=clock),
            freeze=partial(fraud_review.freeze, uow_factory=uow, clock=clock),
            unfreeze=partial(fraud_review.unfreeze, uow_factory=uow, clock=clock),
            annul=partial(fraud_review.annul, uow_factory=uow, clock=clock),
            release_hold=partial(fraud_review.release_hold, uow_factory=uow, clock=clock),
            decline_hold=partial(fraud_review.decline_hold, uow_factory=uow, clock=clock),
            resolve_flag=partial(fraud_review.resolve_flag, uow_factory=uow, clock=clock),
            report=partial(fraud_review.report, uow_factory=uow, zone=zone),
            nightly_pass=partial(
                nightly_fraud.nightly_pass,
                uow_factory=uow,
                clock=clock,
                zone=zone,
                rules=self.rules,
            ),
            flag_groups=partial(fraud_queue.flag_groups, uow_factory=uow, clock=clock),
            resolve_flags=partial(fraud_queue.resolve_flags, uow_factory=uow, clock=clock),
            timeline=partial(member_timeline.timeline, uow_factory=uow, clock=clock),
            resolve_id=partial(short_ids.resolve_id, uow_factory=uow),
        )

    def goodwill_api(self) -> GoodwillUseCases:
        """Goodwill credits: requested, approved or rejected by analysts and operators."""
        uow, clock, zone = self.uow_factory, self.clock, self.zone
        return GoodwillUseCases(
            request=partial(
                goodwill.request_credit,
                uow_factory=uow,
                clock=clock,
                zone=zone,
                approval_points=self.settings.goodwill_approval_points,
            ),
            approve=partial(goodwill.approve_credit, uow_factory=uow, clock=clock, zone=zone),
            reject=partial(goodwill.reject_credit, uow_factory=uow, clock=clock),
            list=partial(goodwill.list_credits, uow_factory=uow),
        )

    def settlement_api(self) -> SettlementUseCases:
        """The settlement use cases; signing needs ``HUB_SIGNING_KEY`` (``SigningKeyMissing``
        when a run or a key request finds none)."""
        uow, clock, settings = self.uow_factory, self.clock, self.settlement_settings()
        return SettlementUseCases(
            run=partial(settlement.run_settlement, uow_factory=uow, clock=clock, settings=settings),
            run_due=partial(settlement.run_due, uow_factory=uow, clock=clock, settings=settings),
            get=partial(settlement.get_settlement, uow_factory=uow),
            statement=partial(settlement.get_statement, uow_factory=uow),
            liabilities=partial(settlement.liabilities, uow_factory=uow),
            signing_key=partial(settlement.signing_key, settings=settings),
            import_report=partial(reconciliation.import_report, uow_factory=uow, clock=clock),
            list_exceptions=partial(reconciliation.list_exceptions, uow_factory=uow),
            accept_exception=partial(reconciliation.accept_exception, uow_factory=uow, clock=clock),
            accept_exceptions=partial(
                reconciliation.accept_exceptions, uow_factory=uow, clock=clock
            ),
            approve=partial(reconciliation.approve_settlement, uow_factory=uow, clock=clock),
            list_days=partial(
                settlement_days.list_days, uow_factory=uow, clock=clock, settings=settings
            ),
        )

    def settlement_settings(self) -> SettlementSettings:
        """The coalition's settlement currency, time zone, cutoff and signing key."""
        seed = self.settings.signing_key_seed() if self.settings.signing_key_hex else None
        return SettlementSettings(
            currency=currency(self.settings.settlement_currency, field="HUB_SETTLEMENT_CURRENCY"),
            zone=self.zone,
            cutoff=self.settings.cutoff(),
            grace_s=self.settings.settlement_grace_s,
            signer=StatementSigner(seed) if seed else None,
        )

    def inspect_member(self, ref: MemberRef) -> MemberSummary:
        """An operator's view of a member; needs the identifier key to find one by identifier."""
        return accounts.inspect_member(
            ref, uow_factory=self.uow_factory, clock=self.clock, hasher=self.identifier_hasher()
        )

    def member_contact(self, member_id: uuid.UUID) -> Contact | None:
        """A member's contact in clear, for operators; needs the data key that sealed it."""
        return contacts.member_contact(
            member_id, uow_factory=self.uow_factory, cipher=self.contact_cipher()
        )

    def erase_member(self, cmd: EraseMember) -> MemberErased:
        """Delete a member's personal data on request (audited); the ledger keeps the id."""
        return erasure.erase_member(cmd, uow_factory=self.uow_factory, clock=self.clock)

    def merge_members(self, cmd: MergeMembers) -> Merged:
        """Merge two accounts of one person (audited; ``hub.services.merge``)."""
        return merge.merge_members(cmd, uow_factory=self.uow_factory, clock=self.clock)

    def unmerge_members(self, cmd: UnmergeMembers) -> Unmerged:
        """Correct a merge (audited; ``hub.services.merge``)."""
        return merge.unmerge_members(cmd, uow_factory=self.uow_factory, clock=self.clock)

    def member_key_usage(self) -> list[KeyUsage]:
        """Rows per identifier and data key: when a retired key may be dropped."""
        return member_keys.key_usage(
            uow_factory=self.uow_factory,
            hasher=self.identifier_hasher(),
            cipher=self.contact_cipher(),
        )

    def rekey_contacts(self, progress: WorkProgress = SILENT) -> ContactsRekeyed:
        """Re-seal every contact under the current data key, in batches (``ConfigError`` without
        one); ``progress`` hears of each batch."""
        cipher = ContactCipher(*self.settings.data_keys())
        return contacts.rekey_contacts(
            uow_factory=self.uow_factory, cipher=cipher, progress=progress
        )

    def close(self) -> None:
        self.cache_refresher.stop()
        self.database_probe.stop()
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None) -> Hub:
    """Wire the hub for ``settings``; ``clock`` replaces the system clock in tests and demos."""
    # One connection per RPC thread, and one for the sweeper.
    engine = create_engine(
        settings.database_url,
        pool_size=settings.threads + 1,
        pool_timeout_s=settings.db_pool_timeout_s,
    )
    # Without an audit key the hub still serves partners; staff changes then fail loudly.
    audit_keys = settings.audit_keys() if settings.audit_key_hex else ()
    admission = AdmissionCache()
    uow_factory = SqlUnitOfWorkFactory(
        engine, audit_keys=audit_keys, on_cache_stale=admission.invalidate
    )
    clock = clock or SystemClock()
    zone, rules = settings.zone(), RuleCache()
    webhooks = _webhook_cipher(settings)
    operator = _operator(uow_factory, clock, zone, rules, admission, webhooks)
    refresher = CacheRefresher(engine, admission)
    probe = DatabaseProbe(engine)
    return Hub(settings, engine, uow_factory, clock, zone, operator, rules, refresher, probe)


def _webhook_cipher(settings: Settings) -> WebhookSecretCipher | None:
    """The data keyring for partners' webhook secrets; ``None`` without a data key, and the
    hub then refuses to keep a webhook secret rather than keep it unsealed."""
    return WebhookSecretCipher(*settings.data_keys()) if settings.data_key_hex else None


def _operator(
    uow: SqlUnitOfWorkFactory,
    clock: Clock,
    zone: ZoneInfo,
    rules_cache: RuleCache,
    admission: AdmissionCache,
    webhooks: WebhookSecretCipher | None,
) -> OperatorUseCases:
    review = partial(tiers.review_tiers, uow_factory=uow, clock=clock, zone=zone, rules=rules_cache)
    return OperatorUseCases(
        add_partner=partial(partners.add_partner, uow_factory=uow, clock=clock),
        set_rate=partial(partners.set_rate, uow_factory=uow, clock=clock),
        set_partner_status=partial(partners.set_partner_status, uow_factory=uow, clock=clock),
        set_rate_limit=partial(partners.set_rate_limit, uow_factory=uow, clock=clock),
        set_phone_region=partial(partners.set_phone_region, uow_factory=uow, clock=clock),
        set_offline_window=partial(partners.set_offline_window, uow_factory=uow, clock=clock),
        get_partner=partial(partners.get_partner, uow_factory=uow, clock=clock),
        list_partners=partial(partners.list_partners, uow_factory=uow, clock=clock),
        verify_ledger=partial(ledger_check.verify_ledger, uow_factory=uow),
        sweep=partial(sweeper.sweep, uow_factory=uow, clock=clock, review_tiers=review),
        record_credential=partial(credentials.record_credential, uow_factory=uow, clock=clock),
        revoke_credential=partial(credentials.revoke_credential, uow_factory=uow, clock=clock),
        list_credentials=partial(credentials.list_credentials, uow_factory=uow),
        get_credential=partial(credentials.get_credential, uow_factory=uow),
        create_api_key=partial(api_keys.create_api_key, uow_factory=uow, clock=clock),
        revoke_api_key=partial(api_keys.revoke_api_key, uow_factory=uow, clock=clock),
        list_api_keys=partial(api_keys.list_api_keys, uow_factory=uow),
        set_webhook=partial(
            event_settings.set_webhook, uow_factory=uow, clock=clock, secret_cipher=webhooks
        ),
        get_webhook=partial(event_settings.show_webhook, uow_factory=uow),
        rotate_webhook_secret=partial(
            event_settings.rotate_secret, uow_factory=uow, clock=clock, secret_cipher=webhooks
        ),
        set_expiry_notice_days=partial(
            event_settings.set_expiry_notice_days, uow_factory=uow, clock=clock
        ),
        list_audit=partial(audit.list_audit, uow_factory=uow),
        admit=partial(access.admit_caller, uow_factory=uow, cache=admission),
        put_rule=partial(rules.put_rule, uow_factory=uow, clock=clock),
        end_rule=partial(rules.end_rule, uow_factory=uow, clock=clock),
        rule_history=partial(rules.rule_history, uow_factory=uow),
        list_rules=partial(rules.list_rules, uow_factory=uow, clock=clock),
        preview_fraud_thresholds=partial(
            fraud_tuning.preview_thresholds, uow_factory=uow, clock=clock
        ),
    )
