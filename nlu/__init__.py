"""Understanding a message: intent, language, danger, place, and the Rasa / embedded backends."""
