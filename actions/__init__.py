"""Kompis' custom actions, served by the action server (bot/action_server.py).

rasa-sdk imports every module of this package at start-up and registers every
non-abstract `Action` subclass. Modules by feature; shared helpers in `base.py`.
"""
