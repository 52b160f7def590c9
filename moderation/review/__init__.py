"""Moderation by people: accounts, the review queue, decisions, reports, sanctions, learning.

``policy.py`` holds the pure rules (which transitions a decision may make, how sanctions and
learned patterns change an automatic decision); ``services`` and ``routes`` are the edges.
"""
