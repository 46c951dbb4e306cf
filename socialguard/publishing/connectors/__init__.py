"""Publishing connectors behind one interface: `connector_for(account).publish(post)`."""

from .base import (
    Connector,
    ConnectorError,
    OutgoingImage,
    OutgoingPost,
    PublishResult,
)
from .local import ManualConnector, NewsletterConnector, WebsiteNewsConnector
from .remote import X_MAX_CHARACTERS, FacebookPageConnector, MastodonConnector, XConnector

__all__ = [
    "Connector",
    "ConnectorError",
    "OutgoingImage",
    "OutgoingPost",
    "PublishResult",
    "X_MAX_CHARACTERS",
    "connector_for",
]

_REMOTE = {"mastodon": MastodonConnector, "facebook": FacebookPageConnector, "x": XConnector}
_LOCAL = {
    "website": WebsiteNewsConnector,
    "newsletter": NewsletterConnector,
    "manual": ManualConnector,
}


def connector_for(account) -> Connector:
    """The adapter for an OfficialAccount, with its credentials decrypted only for this call."""
    from socialguard.publishing.credentials import decrypt_credentials

    if account.connector in _LOCAL:
        return _LOCAL[account.connector]()
    if account.connector not in _REMOTE:
        raise ConnectorError(f"Unknown connector {account.connector!r}")
    secrets = decrypt_credentials(account.credentials_encrypted)
    return _REMOTE[account.connector](
        base_url=account.base_url,
        token=secrets.get("access_token", ""),
        remote_account_id=account.remote_account_id,
    )
