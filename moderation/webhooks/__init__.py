"""Webhooks: signed, retried, logged deliveries of comment events to publishers' endpoints.

Pure parts (``signing``, ``schedule``, ``targets``) hold the rules; ``sender`` is the one
module that opens sockets.
"""
