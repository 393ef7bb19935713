"""Background work on rq: processing inbound messages, sending, recovering lost work."""
