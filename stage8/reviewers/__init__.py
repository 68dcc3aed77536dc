"""The people at the desk: who they are and what they may do.

Rules owned here: who may open the desk (the shared-password gate: byte-exact comparison of UTF-8
text, guesses slowed down per browser session and per server process; gate), a person's role and
the least role each action needs (roles).
"""
