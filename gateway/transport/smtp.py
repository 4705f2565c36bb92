"""SMTP with aiosmtplib (the only module that imports it): one connection for a batch, each
mail's failure classified as temporary (4xx, network) or permanent (5xx) by `failures`."""
from __future__ import annotations

import functools
import ssl

import aiosmtplib

from gateway import failures
from gateway.config import Smtp
from gateway.errors import TemporaryFailure


class SmtpConnection:
    """`async with SmtpConnection(settings) as smtp: await smtp.send(...)`."""

    def __init__(self, settings: Smtp) -> None:
        self.settings = settings
        self.client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> "SmtpConnection":
        s = self.settings
        client = aiosmtplib.SMTP(hostname=s.host, port=s.port, timeout=s.timeout,
                                 use_tls=s.security == "ssl",
                                 start_tls=True if s.security == "starttls" else False,
                                 tls_context=_tls_context() if s.security != "none" else None)
        try:
            await client.connect()
            if s.username:
                await client.login(s.username, s.password)
        except aiosmtplib.SMTPResponseException as exc:
            raise _classify(exc, f"SMTP {s.host}:{s.port}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP {s.host}:{s.port}: {_describe(exc)}") from exc
        self.client = client
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None and self.client.is_connected:
            try:
                await self.client.quit()
            except (aiosmtplib.SMTPException, OSError):
                self.client.close()
        self.client = None

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.is_connected

    async def send(self, sender: str, recipients: list[str], raw: bytes) -> dict[str, str]:
        """Send one mail; raises when nobody took it. Returns the recipients the server refused
        while it took the mail for the others (address -> "code message"): a follower in Cc
        whose address is refused must not hold back, or repeat, the reporter's mail."""
        assert self.client is not None
        try:
            errors, _ = await self.client.sendmail(sender, recipients, raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # For good only when every recipient was refused for good.
            code = min((r.code for r in exc.recipients), default=0)
            raise failures.smtp_failure(code, _describe(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _classify(exc, "SMTP") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP: {_describe(exc)}") from exc
        if errors and len(errors) >= len(set(recipients)):
            # Every recipient refused (with one recipient, a partial refusal is a full one):
            # judge it by the code.
            code, message = next(iter(errors.values()))
            raise failures.smtp_failure(code, f"SMTP {code} {message}")
        return {address: f"{code} {message}" for address, (code, message) in errors.items()}


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Made once per process: loading the system's CA certificates takes tens of milliseconds,
    and the sender opens a connection for every batch."""
    return ssl.create_default_context()


def _classify(exc: aiosmtplib.SMTPResponseException, where: str) -> Exception:
    return failures.smtp_failure(exc.code, f"{where}: {exc.code} {exc.message}")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
