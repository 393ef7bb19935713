"""Legal information: the knowledge base of articles, retrieval, and SMS/Telegram-sized answers."""
