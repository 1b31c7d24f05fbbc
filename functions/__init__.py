"""Non-HTTP Lambda handlers. Each is thin: unpack the event, call a chalicelib service."""
