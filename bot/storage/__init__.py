"""Kompis' database: one SQLAlchemy URL for Rasa's tracker store and our own tables."""
