"""Moderation owns no tables yet: the queue is a view of deposits, decisions are deposit events."""
