"""Held-out NLU evaluation of our pipeline against the stock Rasa Chinese recipe (`bot eval`)."""
