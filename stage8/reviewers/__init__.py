"""Reviewers: identity and access.

Rules owned here: who may open the desk (the shared-password gate: byte-exact comparison of UTF-8
text, guesses slowed down per browser session and per server process), and later roles.
"""
