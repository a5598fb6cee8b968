"""The one interface every notice sender shares, and the two ways a send can fail.

Like FixMyStreet's senders: the worker does not care how a notice travels, only whether
trying again later could help. ``TemporaryFailure`` (server down, timeout, rate limit)
means "retry with backoff"; ``PermanentFailure`` (bad address, rejected template, unknown
channel) means "retrying cannot help: mark the notice dead so a person looks at it".
A sender that returns normally has handed the notice over; the worker then marks it sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

Notice = Mapping[str, Any]
"""A row of the ``notices`` table: id, kind, channel, recipient, subject, body, complaint_id..."""


class DeliveryError(Exception):
    """A notice could not be handed over; the message says why, in words an operator can act on."""


class TemporaryFailure(DeliveryError):
    """Trying again later may work (network, timeout, server busy or down, provider rate limit)."""


class Unreachable(TemporaryFailure):
    """The channel's server itself could not be reached (connection refused, reset, timeout, DNS).

    The worker stops trying that channel for the rest of its round and probes the server every few
    seconds instead (``formsvc.notify.worker``): when it answers again, every notice that waited
    for it is due at once, instead of at the end of its backoff (up to an hour)."""


class PermanentFailure(DeliveryError):
    """Trying again cannot work (address or number refused, misconfiguration the provider rejects)."""


class Sender(Protocol):
    """Hands one notice to its channel: return on success, raise a ``DeliveryError`` otherwise."""

    def send(self, notice: Notice) -> None: ...


class Discard:
    """Accepts every notice and sends nothing: the operator turned this channel off.

    The notice is still marked sent (there is nothing left to do for it); the same news also
    goes by email, which is never turned off.
    """

    def __init__(self, reason: str = "channel turned off"):
        self.reason = reason

    def send(self, notice: Notice) -> None:
        return None
