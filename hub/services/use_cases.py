"""What each service of the hub can do, with its dependencies bound: the bundles of use cases
the gRPC servicers and the CLI are handed (``hub.bootstrap`` builds them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from hub.domain.access import Admission
from hub.domain.api_keys import ApiKey, NewApiKey
from hub.domain.audit import AuditRecord
from hub.domain.credentials import Credential
from hub.domain.flags import Flag
from hub.domain.goodwill import GoodwillCredit
from hub.domain.principals import Principal
from hub.domain.rates import RateVersion
from hub.domain.rules import RuleVersion
from hub.services.commands import (
    AcceptException,
    AcceptExceptions,
    AddIdentifier,
    AddPartner,
    AnnulPoints,
    ApproveSettlement,
    Attribution,
    AuthorizeRedemption,
    CaptureRedemption,
    CreateApiKey,
    DecideGoodwillCredit,
    DeclineHold,
    Earn,
    EndRule,
    EnrollMember,
    FraudReport,
    FreezeMember,
    GetAccount,
    GetBalance,
    GetHold,
    GetMemberTimeline,
    GetStatement,
    GrantEvent,
    ImportReport,
    ListExceptions,
    ListFlagGroups,
    ListFlags,
    ListGoodwillCredits,
    ListRules,
    ListSettlementDays,
    ListTransactions,
    LookupMember,
    PutRule,
    QuoteBurn,
    QuoteEarn,
    RecordCredential,
    RefundEarn,
    RefundRedemption,
    ReleaseHold,
    RequestGoodwillCredit,
    ResolveFlag,
    ResolveFlags,
    RevokeApiKey,
    RevokeCredential,
    SetOfflineWindow,
    SetPartnerStatus,
    SetPhoneRegion,
    SetRate,
    SetRateLimit,
    UnfreezeMember,
    UpdateMemberContact,
    VoidRedemption,
)
from hub.services.event_settings import WebhookView
from hub.services.fraud_tuning import PreviewThresholds, ThresholdsPreview
from hub.services.ports.reconciliation import ReconciliationExceptionView
from hub.services.ports.reviews import QueuedFlag
from hub.services.results import (
    AccountStatusView,
    AccountView,
    Annulled,
    BalanceView,
    BurnQuoted,
    Captured,
    Earned,
    EarnQuoted,
    EarnRefunded,
    EventGranted,
    ExceptionPage,
    ExceptionsAccepted,
    FlagGroupsView,
    FlagPage,
    FlagsResolved,
    FraudReportView,
    HoldView,
    LedgerReport,
    LiabilitiesView,
    MemberTimelineView,
    MemberView,
    NightlyPassReport,
    PartnerView,
    ReconciliationView,
    RedemptionRefunded,
    ReviewedHold,
    RuleHistory,
    RulesListed,
    SettlementDayPage,
    SettlementRunView,
    SigningKeyView,
    StatementView,
    TransactionPage,
)
from hub.services.sweeper import SweepReport


@dataclass(frozen=True)
class PartnerUseCases:
    """What the partner API can do, with dependencies bound."""

    enroll: Callable[[EnrollMember], MemberView]
    lookup: Callable[[LookupMember], MemberView]
    add_identifier: Callable[[AddIdentifier], MemberView]
    update_contact: Callable[[UpdateMemberContact], MemberView]
    earn: Callable[[Earn], Earned]
    quote_earn: Callable[[QuoteEarn], EarnQuoted]
    quote_burn: Callable[[QuoteBurn], BurnQuoted]
    balance: Callable[[GetBalance], BalanceView]
    transactions: Callable[[ListTransactions], TransactionPage]
    authorize: Callable[[AuthorizeRedemption], HoldView]
    capture: Callable[[CaptureRedemption], Captured]
    void: Callable[[VoidRedemption], HoldView]
    get_hold: Callable[[GetHold], HoldView]
    refund_earn: Callable[[RefundEarn], EarnRefunded]
    refund_redemption: Callable[[RefundRedemption], RedemptionRefunded]
    grant_event: Callable[[GrantEvent], EventGranted]


@dataclass(frozen=True)
class OperatorUseCases:
    """What coalition operators do from the CLI, with dependencies bound."""

    add_partner: Callable[[AddPartner], PartnerView]
    set_rate: Callable[[SetRate], RateVersion]
    set_partner_status: Callable[[SetPartnerStatus], PartnerView]
    set_rate_limit: Callable[[SetRateLimit], PartnerView]
    set_phone_region: Callable[[SetPhoneRegion], PartnerView]
    set_offline_window: Callable[[SetOfflineWindow], PartnerView]
    get_partner: Callable[[str], PartnerView]
    list_partners: Callable[[], list[PartnerView]]
    verify_ledger: Callable[[], LedgerReport]
    sweep: Callable[..., SweepReport]
    """One pass over everything due: ``sweep(progress=SILENT)`` (``hub sweep`` shows it)."""
    record_credential: Callable[[RecordCredential], Credential]
    revoke_credential: Callable[[RevokeCredential], Credential]
    list_credentials: Callable[[str | None], list[Credential]]
    get_credential: Callable[[str], Credential]
    create_api_key: Callable[[CreateApiKey], NewApiKey]
    revoke_api_key: Callable[[RevokeApiKey], ApiKey]
    list_api_keys: Callable[[str | None], list[ApiKey]]
    set_webhook: Callable[..., WebhookView]
    """The partner, its https:// URL, who and why, and optionally ``deliver_from`` (a time)
    (``hub.services.event_settings``)."""
    get_webhook: Callable[[str], WebhookView]
    rotate_webhook_secret: Callable[[str, Attribution], WebhookView]
    set_expiry_notice_days: Callable[[str, int, Attribution], WebhookView]
    list_audit: Callable[..., tuple[AuditRecord, ...]]
    """The newest audit records: ``limit``, optional ``actor`` and ``action``."""
    admit: Callable[[Principal], Admission]
    """Whether a caller's certificate and partner are still accepted (every call asks)."""
    put_rule: Callable[[PutRule], RuleVersion]
    end_rule: Callable[[EndRule], RuleVersion]
    rule_history: Callable[[str], RuleHistory]
    list_rules: Callable[[ListRules], RulesListed]
    preview_fraud_thresholds: Callable[[PreviewThresholds], ThresholdsPreview]


@dataclass(frozen=True)
class FraudUseCases:
    """What fraud analysts do, through the review service or the CLI, with dependencies bound."""

    list_flags: Callable[[ListFlags], FlagPage]
    get_flag: Callable[[uuid.UUID], QueuedFlag]
    account: Callable[[GetAccount], AccountView]
    freeze: Callable[[FreezeMember], AccountStatusView]
    unfreeze: Callable[[UnfreezeMember], AccountStatusView]
    annul: Callable[[AnnulPoints], Annulled]
    release_hold: Callable[[ReleaseHold], ReviewedHold]
    decline_hold: Callable[[DeclineHold], ReviewedHold]
    resolve_flag: Callable[[ResolveFlag], Flag]
    report: Callable[[FraudReport], FraudReportView]
    nightly_pass: Callable[..., NightlyPassReport]
    """``nightly_pass(RunNightlyPass, progress=SILENT)``: ``hub fraud scan``."""
    flag_groups: Callable[[ListFlagGroups], FlagGroupsView]
    resolve_flags: Callable[[ResolveFlags], FlagsResolved]
    timeline: Callable[[GetMemberTimeline], MemberTimelineView]
    resolve_id: Callable[..., uuid.UUID]
    """``resolve_id(text, IdKind, field=...)``: a whole id, or the one a unique prefix names."""


@dataclass(frozen=True)
class SettlementUseCases:
    """What settlement officers do (and partners, for their own statements and reports),
    through the settlement services or ``hub settle``, with dependencies bound."""

    run: Callable[..., SettlementRunView]
    """Settle one closed day: ``run(RunSettlement, progress=None)``."""
    run_due: Callable[..., list[SettlementRunView]]
    """Settle every closed day not settled yet, in order: ``run_due(Attribution,
    progress=SILENT)`` with a ``WorkProgress`` (the nightly schedule and the operator's
    ``hub settle-due``)."""
    get: Callable[[date | None], SettlementRunView]
    """A settled day's run; the latest with ``None``."""
    statement: Callable[[GetStatement], StatementView]
    liabilities: Callable[[date | None], LiabilitiesView]
    signing_key: Callable[[], SigningKeyView]
    import_report: Callable[[ImportReport], ReconciliationView]
    list_exceptions: Callable[[ListExceptions], ExceptionPage]
    accept_exception: Callable[[AcceptException], ReconciliationExceptionView]
    accept_exceptions: Callable[[AcceptExceptions], ExceptionsAccepted]
    approve: Callable[[ApproveSettlement], SettlementRunView]
    list_days: Callable[[ListSettlementDays], SettlementDayPage]
    """The night board: settlement days newest first, with their state and who did what."""


@dataclass(frozen=True)
class GoodwillUseCases:
    """What analysts and operators do with goodwill credits, with dependencies bound."""

    request: Callable[[RequestGoodwillCredit], GoodwillCredit]
    approve: Callable[[DecideGoodwillCredit], GoodwillCredit]
    reject: Callable[[DecideGoodwillCredit], GoodwillCredit]
    list: Callable[[ListGoodwillCredits], tuple[GoodwillCredit, ...]]
