"""Customer 360: what the departments' sheets say around the golden records:
contacts and their roles, customer roles, relationships between masters,
interactions and transactions linked to master ids, value and lifecycle
segments, and the masters due for a steward's review."""
