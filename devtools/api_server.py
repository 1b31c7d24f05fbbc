"""`chalice local` for the local stack, with a listen backlog that takes a load run.

Chalice's local server is a ThreadingMixIn HTTPServer with the standard library's default
backlog of 5 pending connections: a burst of a few dozen simultaneous clients (the load run,
a class of applicants) gets "connection reset by peer" before a thread ever sees the request.
The authorizer's results are cached per token as API Gateway does when deployed
(devtools/authorizer_cache.py, chalicelib.config.AUTHORIZER_CACHE_SECONDS; the unit tests use it
through a fixture), so the local stack, the integration and browser tests see what a cached
principal means; AUTHORIZER_CACHE=0 runs the authorizer on every request instead.
Run: python -m devtools.api_server local --stage local --host 127.0.0.1 --port 8000 --no-autoreload
"""
import os
import sys

BACKLOG = 1024


def main() -> int:
    from chalice import local
    from chalice.cli import main as chalice_main

    from devtools import authorizer_cache, frame_stack, iam_audit

    frame_stack.install()

    iam_audit.enforce_from_environment()     # APIHandler's and JwtAuth's calls against their roles
    from devtools import call_counter

    call_counter.install_from_environment()  # AWS calls per route, for the load run (AWS_CALLS_LOG)
    if os.environ.get("AUTHORIZER_CACHE", "1") != "0":   # API Gateway's result cache per token, as deployed
        authorizer_cache.install()
    local.ThreadedHTTPServer.request_queue_size = BACKLOG
    sys.argv[0] = "chalice"
    return chalice_main()


if __name__ == "__main__":
    sys.exit(main())
