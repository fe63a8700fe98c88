"""Commands are added here by their domain."""
