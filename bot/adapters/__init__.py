"""Adapters: the transports that carry questions to the core and answers back."""
