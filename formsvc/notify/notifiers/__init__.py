"""Notice senders: email over SMTP, SMS through a provider; one factory picks them by config.

The outbox worker (``formsvc.notify.worker``) calls ``senders_from_config(config)`` once and looks a
notice's sender up by its channel (``email`` or ``sms``).
"""

from __future__ import annotations

from wagesafe.config import Config

from .base import DeliveryError, Discard, Notice, PermanentFailure, Sender, TemporaryFailure, Unreachable
from .email import EmailSender
from .open311 import Open311Sender
from .sms import AliyunSmsProvider, FileSmsProvider, NoSms

__all__ = [
    "AliyunSmsProvider", "DeliveryError", "Discard", "EmailSender", "Open311Sender", "FileSmsProvider", "NoSms", "Notice",
    "PermanentFailure", "Sender", "TemporaryFailure", "Unreachable", "senders_from_config", "sms_provider",
]


def sms_provider(config: Config) -> Sender:
    """The SMS sender named by ``SMS_PROVIDER``: ``file``, ``aliyun`` or ``none``.

    :raises ValueError: for any other name, so a typo stops the worker at start, not at the first SMS.
    """
    name = config.sms_provider
    if name == "file":
        return FileSmsProvider(config.var_dir / "sms")
    if name == "aliyun":
        return AliyunSmsProvider.from_config(config)
    if name == "none":
        return NoSms()
    raise ValueError(f"SMS_PROVIDER={name!r} is not one of: file, aliyun, none")


def senders_from_config(config: Config) -> dict[str, Sender]:
    """Channel name → sender, as the worker's ``run_once`` wants it."""
    return {"email": EmailSender.from_config(config), "sms": sms_provider(config), "open311": Open311Sender(config)}
