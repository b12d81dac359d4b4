"""The message plan and the outbox rows it writes."""
