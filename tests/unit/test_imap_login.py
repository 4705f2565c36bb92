"""Which refused IMAP logins are for good (a configuration error) and which pass (try again)."""
from __future__ import annotations

from imapclient.exceptions import IMAPClientAbortError, LoginError

from gateway.transport.imap import _login_temporary


def test_a_refused_password_is_for_good_but_an_unavailable_backend_or_a_drop_is_not():
    assert not _login_temporary(LoginError("b'[AUTHENTICATIONFAILED] Authentication failed.'"))
    assert _login_temporary(LoginError("b'[UNAVAILABLE] Temporary authentication failure.'"))
    try:  # imapclient wraps a dropped connection during LOGIN in LoginError too
        try:
            raise IMAPClientAbortError("socket error: EOF")
        except IMAPClientAbortError as exc:
            raise LoginError(str(exc))
    except LoginError as wrapped:
        assert _login_temporary(wrapped)
