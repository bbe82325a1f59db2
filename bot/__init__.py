"""Kompis: everything that is not Rasa's (see README.md for the map)."""
