"""The domain: cases, parties, offices, routing, the intake dialogue and the case lifecycle."""
