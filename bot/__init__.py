"""Klippekort-bot: answers questions about Klippekortet."""
