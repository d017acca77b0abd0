"""E-mail over SMTP (aiosmtplib): a plain-text and an HTML part from the same words.

Rules:

* One SMTP connection per batch (``SMTP_HOST``/``SMTP_PORT``, implicit TLS with ``SMTP_TLS``,
  else STARTTLS unless ``SMTP_STARTTLS=false``; login when ``SMTP_USERNAME`` is set), one message
  per recipient. ``multipart/alternative``: text first, HTML last (the part mail readers prefer).
* Marketing mail carries ``List-Unsubscribe: <url>`` and ``List-Unsubscribe-Post:
  List-Unsubscribe=One-Click`` (RFC 8058), so mailboxes offer the one-click opt-out;
  transactional mail carries neither.
* The Message-ID we set is the provider id. The server accepting the message is ``sent``; a 5xx
  refusal of the recipient is ``invalid_address`` (550/551/553: no such mailbox) or ``failed``;
  any 4xx, a dropped connection or no connection at all is ``retry`` (for the rest of the batch
  too, once the connection is gone).
* Each message costs ``EMAIL_COST_VND`` (0 by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from notifications.channels.base import Channel, Outgoing, SendStatus, Sent
from notifications.channels.templates import email as email_words
from notifications.config import NotifySettings

NO_MAILBOX = {550, 551, 553}


class EmailSender:
    channel = Channel.EMAIL

    def __init__(self, settings: NotifySettings, *, timeout_s: float = 30.0) -> None:
        if not (settings.smtp_host and settings.mail_from):
            raise ValueError("E-mail needs SMTP_HOST and MAIL_FROM")
        self._settings = settings
        self._from = settings.mail_from
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
        self._timeout = timeout_s

    def estimate_vnd(self, outgoing: Outgoing) -> int:
        return self._settings.email_cost_vnd

    def message(self, outgoing: Outgoing) -> EmailMessage:
        words = email_words(outgoing)
        msg = EmailMessage()
        msg["From"] = self._from
        msg["To"] = outgoing.address
        msg["Subject"] = words.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(idstring=str(outgoing.delivery_id), domain=self._domain)
        if outgoing.purpose == "marketing" and outgoing.unsubscribe_url:
            msg["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(words.text)
        msg.add_alternative(words.html, subtype="html")
        return msg

    async def send(self, batch: Sequence[Outgoing]) -> list[Sent]:
        s = self._settings
        assert s.smtp_host is not None
        results: list[Sent] = []
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_tls,
            start_tls=False if s.smtp_tls else s.smtp_starttls,
            timeout=self._timeout,
        )
        try:
            await smtp.connect()
            if s.smtp_username:
                await smtp.login(s.smtp_username, s.smtp_password or "")
        except (aiosmtplib.SMTPException, OSError) as exc:
            return [Sent(m.delivery_id, SendStatus.RETRY, error=f"SMTP: {exc}"[:300]) for m in batch]
        try:
            for index, outgoing in enumerate(batch):
                outcome = await self._send_one(smtp, outgoing)
                results.append(outcome)
                if outcome.status is SendStatus.RETRY and not smtp.is_connected:
                    rest = batch[index + 1 :]
                    results += [Sent(m.delivery_id, SendStatus.RETRY, error="SMTP connection lost") for m in rest]
                    break
        finally:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                except (aiosmtplib.SMTPException, OSError):
                    smtp.close()
        return results

    async def _send_one(self, smtp: aiosmtplib.SMTP, outgoing: Outgoing) -> Sent:
        try:
            Address(addr_spec=outgoing.address)
            msg = self.message(outgoing)
        except (ValueError, IndexError) as exc:
            return Sent(outgoing.delivery_id, SendStatus.INVALID_ADDRESS, error=f"bad address: {exc}"[:300])
        provider_id = str(msg["Message-ID"])
        try:
            await smtp.send_message(msg)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            code = refused.code if refused is not None else 550
            return Sent(
                outgoing.delivery_id, _refused(code), error=f"{code} {refused.message if refused else ''}"[:300]
            )
        except aiosmtplib.SMTPResponseException as exc:
            status = SendStatus.RETRY if 400 <= exc.code < 500 else SendStatus.FAILED
            return Sent(outgoing.delivery_id, status, error=f"{exc.code} {exc.message}"[:300])
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Sent(outgoing.delivery_id, SendStatus.RETRY, error=f"SMTP: {exc}"[:300])
        return Sent(outgoing.delivery_id, SendStatus.SENT, provider_id, self._settings.email_cost_vnd)

    async def aclose(self) -> None:
        return None


def _refused(code: int) -> SendStatus:
    if 400 <= code < 500:
        return SendStatus.RETRY
    return SendStatus.INVALID_ADDRESS if code in NO_MAILBOX else SendStatus.FAILED
