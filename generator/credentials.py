"""Credentials for Git sources: tokens from the environment, never from files or logs.

Tokens reach libgit2 only through credential callbacks, so clones store URLs without them,
and `redact` scrubs anything that could echo one before a message leaves the sources stage.
"""

from __future__ import annotations

import re
from typing import Sequence
from urllib.parse import urlsplit

import pygit2
from pygit2.enums import CredentialType

from generator.config import SourceConfig, env_token
from generator.model.scm import remote_user, web_for

_TOKEN_USERS = {"github": "x-access-token", "gitlab": "oauth2", "bitbucket": "x-token-auth"}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class SourceUnavailable(Exception):
    """A source could not be fetched; the message is already free of secrets."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint



class Auth(pygit2.RemoteCallbacks):
    """Credentials for one source: the `token_env` token for https, the ssh agent for ssh.

    libgit2 asks again after a rejected credential; answering the same token forever
    would loop, so a second request for the same kind fails the fetch instead.
    """

    def __init__(self, source: SourceConfig, url: str) -> None:
        super().__init__()
        self.token = env_token(source) or source.url_password()
        self.user = remote_user(source.url or "")[0] or _token_user(source, url)
        self.asked: set[str] = set()

    @property
    def rejected(self) -> bool:
        return "token" in self.asked

    def credentials(self, url: str, username_from_url: str | None, allowed_types: CredentialType):
        if allowed_types & CredentialType.USERPASS_PLAINTEXT and self.token and _may_send(url):
            return self._once("token", pygit2.UserPass(self.user, self.token))
        if allowed_types & CredentialType.USERNAME:
            return self._once("username", pygit2.Username(username_from_url or "git"))
        if allowed_types & CredentialType.SSH_KEY:
            return self._once("ssh", pygit2.KeypairFromAgent(username_from_url or "git"))
        raise SourceUnavailable("the server asks for credentials and none are configured")

    def _once(self, kind: str, credential):
        if kind in self.asked:
            raise SourceUnavailable("the server rejected the credentials")
        self.asked.add(kind)
        return credential


def _token_user(source: SourceConfig, url: str) -> str:
    """The user name hosts expect next to a token (GitHub: `x-access-token`)."""
    web = web_for(url, "HEAD", source.host)
    return _TOKEN_USERS.get(web.host if web else "", "x-access-token")


def _may_send(url: str) -> bool:
    """Tokens go over https only (plain http just to this machine, for tests and proxies)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


def unavailable_hint(source: SourceConfig, auth: Auth) -> str:
    if source.token_env and not env_token(source):
        return (f"Environment variable {source.token_env} is not set; set it to a token with "
                "read access, and check the URL and your network")
    if auth.rejected:
        where = source.token_env or "the URL"
        return f"Check that the token in {where} is valid and can read the repository"
    return "Check the URL, your network and access rights (private repositories need `token_env`)"


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by `***` and URL credentials removed."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1", text)
