"""Kompis' own NLU pieces: normalisation, gazetteers, the crisis safety net, and the
Rasa components that put them into the pipeline (bot.nlu.components)."""
