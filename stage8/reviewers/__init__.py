"""The people at the desk: who they are and what they may do.

Rules owned here: a person's role and the least role each action needs (roles).
"""
