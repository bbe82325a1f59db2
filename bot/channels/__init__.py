"""Kompis' Rasa input channels: the web chat (socket.io) and Telegram."""
