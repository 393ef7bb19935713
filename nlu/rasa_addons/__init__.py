"""Custom Rasa 3.6 components for the project's NLU server (loaded only inside the Rasa venv)."""
