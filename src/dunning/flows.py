"""Orchestration across domains (plan → gate → outbox → send → receipts). Filled in by the planner work."""
