"""The web app on port 8080: the web chat for young people and the staff console."""
