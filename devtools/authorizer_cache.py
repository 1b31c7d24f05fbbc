"""API Gateway's authorizer result cache, for the local stack and the tests.

Deployed, API Gateway keeps a TOKEN authorizer's result (policy + context) per token for the
authorizer's `ttl_seconds` and does not invoke the authorizer Lambda again meanwhile. Chalice's
local gateway (`chalice local`, `chalice.test.Client`) invokes it on every request, which hides
what a cached result means: a principal up to `ttl_seconds` old. `install()` wraps Chalice's
authorizer call with the same cache (keyed on the authorizer and the token, the result kept as
returned, refusals included), so the local stack and the tests see the staleness window and can
count the authorizer's invocations (`stats`).

    from devtools import authorizer_cache
    cache = authorizer_cache.install()          # idempotent; cache.uninstall() restores Chalice
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_ENTRIES = 10_000      # tokens kept (least recently used dropped): a load run stays bounded


class AuthorizerCache:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.entries: OrderedDict = OrderedDict()
        self.invocations = 0          # the authorizer actually run
        self.requests = 0             # authorizations asked of the gateway
        self._lock = threading.Lock()
        self._original = None

    # --- the gateway's behaviour ------------------------------------------------------------------

    def authorize(self, authorizer, event, context):
        ttl = getattr(getattr(authorizer, "config", None), "ttl_seconds", 0) or 0
        key = (authorizer.name, event.get("authorizationToken"))
        now = self.clock()
        with self._lock:
            self.requests += 1
            hit = self.entries.get(key) if ttl > 0 else None
            if hit is not None and hit[0] > now:
                self.entries.move_to_end(key)
                return hit[1]
        result = self._original(authorizer, event, context)
        with self._lock:
            self.invocations += 1
            if ttl > 0 and result is not None:
                self.entries[key] = (now + ttl, result)
                self.entries.move_to_end(key)
                while len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.invocations = self.requests = 0

    @property
    def stats(self) -> dict:
        return {"requests": self.requests, "invocations": self.invocations}

    # --- patching Chalice -------------------------------------------------------------------------

    def uninstall(self) -> None:
        from chalice.app import ChaliceAuthorizer

        if self._original is not None:
            ChaliceAuthorizer.__call__ = self._original
            self._original = None
        _installed.pop("cache", None)


_installed: dict = {}


def install(clock=time.monotonic) -> AuthorizerCache:
    """Cache every Chalice authorizer's result as API Gateway does (once per process)."""
    from chalice.app import ChaliceAuthorizer

    if "cache" in _installed:
        return _installed["cache"]
    cache = AuthorizerCache(clock)
    cache._original = ChaliceAuthorizer.__call__

    def call(self, event, context):
        return cache.authorize(self, event, context)

    ChaliceAuthorizer.__call__ = call
    _installed["cache"] = cache
    return cache
