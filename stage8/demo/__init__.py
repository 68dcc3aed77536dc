"""The demo project: a short film with drawn assets and attempts of every source (seed), and the
Pillow drawings it is made of (art).
"""
