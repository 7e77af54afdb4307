"""The admin API servicer: request → command → use case → response, nothing more.

The interceptor has already admitted the caller with the admin role; the caller's principal
is the actor the audit log records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc
from hub.api import admin_convert as convert
from hub.api.convert import instant, timestamp
from hub.api.interceptors import caller
from hub.domain.fields import storable_text
from hub.domain.ids import parse_id
from hub.services import commands
from hub.services.commands import EraseMember
from hub.services.event_settings import WebhookView
from hub.services.results import MemberErased
from hub.services.use_cases import OperatorUseCases


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(
        self, use_cases: OperatorUseCases, erase_member: Callable[[EraseMember], MemberErased]
    ) -> None:
        self._use = use_cases
        self._erase_member = erase_member

    def AddPartner(
        self, request: admin_pb2.AddPartnerRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        return convert.partner_message(
            self._use.add_partner(convert.add_partner(request, caller()))
        )

    def GetPartner(
        self, request: admin_pb2.GetPartnerRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        return convert.partner_message(self._use.get_partner(_partner_id(request)))

    def ListPartners(
        self, request: admin_pb2.ListPartnersRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListPartnersResponse:
        views = self._use.list_partners()
        return admin_pb2.ListPartnersResponse(
            partners=[convert.partner_message(view) for view in views]
        )

    def SetRate(
        self, request: admin_pb2.SetRateRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        self._use.set_rate(convert.set_rate(request, caller()))
        return convert.partner_message(self._use.get_partner(request.partner_id))

    def SetPartnerStatus(
        self, request: admin_pb2.SetPartnerStatusRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        by = convert.attribution(caller(), request.reason)
        command = commands.SetPartnerStatus(_partner_id(request), request.active, changed_by=by)
        return convert.partner_message(self._use.set_partner_status(command))

    def SetPartnerRateLimit(
        self, request: admin_pb2.SetPartnerRateLimitRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        by = convert.attribution(caller(), request.reason)
        limit = request.rate_limit_per_s or None
        command = commands.SetRateLimit(_partner_id(request), limit, changed_by=by)
        return convert.partner_message(self._use.set_rate_limit(command))

    def SetPartnerPhoneRegion(
        self, request: admin_pb2.SetPartnerPhoneRegionRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        by = convert.attribution(caller(), request.reason)
        region = request.phone_region or None
        command = commands.SetPhoneRegion(_partner_id(request), region, changed_by=by)
        return convert.partner_message(self._use.set_phone_region(command))

    def SetPartnerOfflineWindow(
        self, request: admin_pb2.SetPartnerOfflineWindowRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Partner:
        by = convert.attribution(caller(), request.reason)
        window_s = request.offline_window_s
        command = commands.SetOfflineWindow(_partner_id(request), window_s, changed_by=by)
        return convert.partner_message(self._use.set_offline_window(command))

    def SetPartnerWebhook(
        self, request: admin_pb2.SetPartnerWebhookRequest, context: grpc.ServicerContext
    ) -> admin_pb2.SetPartnerWebhookResponse:
        by = convert.attribution(caller(), request.reason)
        deliver_from = (
            instant(request.deliver_from, "deliver_from")
            if request.HasField("deliver_from")
            else None
        )
        partner_id = _partner_id(request)
        view = self._use.set_webhook(partner_id, request.url, by, deliver_from=deliver_from)
        return admin_pb2.SetPartnerWebhookResponse(webhook=_webhook_message(view))

    def GetPartnerWebhook(
        self, request: admin_pb2.GetPartnerWebhookRequest, context: grpc.ServicerContext
    ) -> admin_pb2.GetPartnerWebhookResponse:
        return admin_pb2.GetPartnerWebhookResponse(
            webhook=_webhook_message(self._use.get_webhook(_partner_id(request)))
        )

    def RotatePartnerWebhookSecret(
        self, request: admin_pb2.RotatePartnerWebhookSecretRequest, context: grpc.ServicerContext
    ) -> admin_pb2.RotatePartnerWebhookSecretResponse:
        by = convert.attribution(caller(), request.reason)
        return admin_pb2.RotatePartnerWebhookSecretResponse(
            webhook=_webhook_message(self._use.rotate_webhook_secret(_partner_id(request), by))
        )

    def SetPartnerExpiryNotice(
        self, request: admin_pb2.SetPartnerExpiryNoticeRequest, context: grpc.ServicerContext
    ) -> admin_pb2.SetPartnerExpiryNoticeResponse:
        by = convert.attribution(caller(), request.reason)
        days = request.expiry_notice_days
        return admin_pb2.SetPartnerExpiryNoticeResponse(
            webhook=_webhook_message(
                self._use.set_expiry_notice_days(_partner_id(request), days, by)
            )
        )

    def ListCredentials(
        self, request: admin_pb2.ListCredentialsRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListCredentialsResponse:
        found = self._use.list_credentials(
            storable_text(request.principal, field="principal") or None
        )
        return admin_pb2.ListCredentialsResponse(
            credentials=[convert.credential_message(credential) for credential in found]
        )

    def RevokeCredential(
        self, request: admin_pb2.RevokeCredentialRequest, context: grpc.ServicerContext
    ) -> admin_pb2.Credential:
        by = convert.attribution(caller(), request.reason)
        revoked = self._use.revoke_credential(
            commands.RevokeCredential(storable_text(request.serial, field="serial"), changed_by=by)
        )
        return convert.credential_message(revoked)

    def CreateApiKey(
        self, request: admin_pb2.CreateApiKeyRequest, context: grpc.ServicerContext
    ) -> admin_pb2.CreateApiKeyResponse:
        by = convert.attribution(caller(), request.reason)
        command = commands.CreateApiKey(_partner_id(request), request.label, changed_by=by)
        made = self._use.create_api_key(command)
        return admin_pb2.CreateApiKeyResponse(
            api_key=convert.api_key_message(made.record), key=made.key
        )

    def RevokeApiKey(
        self, request: admin_pb2.RevokeApiKeyRequest, context: grpc.ServicerContext
    ) -> admin_pb2.RevokeApiKeyResponse:
        by = convert.attribution(caller(), request.reason)
        key_id = storable_text(request.key_id, field="key_id")
        revoked = self._use.revoke_api_key(commands.RevokeApiKey(key_id, changed_by=by))
        return admin_pb2.RevokeApiKeyResponse(api_key=convert.api_key_message(revoked))

    def ListApiKeys(
        self, request: admin_pb2.ListApiKeysRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ListApiKeysResponse:
        found = self._use.list_api_keys(_partner_id(request) or None)
        return admin_pb2.ListApiKeysResponse(
            api_keys=[convert.api_key_message(key) for key in found]
        )

    def EraseMember(
        self, request: admin_pb2.EraseMemberRequest, context: grpc.ServicerContext
    ) -> admin_pb2.ErasedMember:
        by = convert.attribution(caller(), request.reason)
        member_id = parse_id(request.member_id, field="member_id")
        erased = self._erase_member(EraseMember(member_id, changed_by=by))
        return admin_pb2.ErasedMember(
            member_id=str(erased.member_id),
            erased_at=timestamp(erased.erased_at),
            already_erased=erased.already_erased,
        )


def _webhook_message(view: WebhookView) -> admin_pb2.PartnerWebhook:
    return admin_pb2.PartnerWebhook(
        partner_id=view.partner_id,
        url=view.url or "",
        secret=view.secret or "",
        has_secret=view.has_secret,
        expiry_notice_days=view.expiry_notice_days,
    )


def _partner_id(request: Any) -> str:
    """The partner a request names, as a lookup can take it."""
    return storable_text(request.partner_id, field="partner_id")
