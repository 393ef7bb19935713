"""The knowledge base behind the intake's `LegalAnswerer` port."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from legal_info import answers
from legal_info.retrieval import KnowledgeBase

ARTICLES = Path(__file__).resolve().parent / "articles"
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def plain(text: str) -> str:
    """Article text as a chat shows it: messages go without a parse mode, so the articles'
    **bold** markers would appear as asterisks."""
    return _BOLD.sub(r"\1", text)


@dataclass(frozen=True)
class LegalReply:
    """What the knowledge base says to a question. Confident: the answer, the article it came from
    (for MORE), its topic (for the demand report) and related articles (for Telegram buttons).
    Not confident but some articles come close: `article_id` is None and `choices` holds the
    (article id, label) pairs the text offers by number."""

    text: str
    article_id: str | None
    topic: str | None = None
    related: tuple[tuple[str, str], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()


class KnowledgeBaseAnswerer:
    """Answers only when retrieval is confident; otherwise the caller says it does not know."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> KnowledgeBaseAnswerer:
        """The shipped articles, loaded once per process."""
        return cls(KnowledgeBase.load(ARTICLES))

    def answer(self, text: str, language: str, channel: str) -> LegalReply | None:
        """The article's answer for this channel; below the confidence threshold an offer of the
        likely topics (`choices`), or None when nothing comes close."""
        result = answers.answer(self.kb, text, language, channel="telegram" if channel == "telegram" else "sms")
        if not result.confident:
            return LegalReply(result.text, None, choices=result.suggestions) if result.suggestions else None
        article = self.kb.articles[result.article_ids[0]]
        return LegalReply(plain(result.text), article.id, article.topics[0] if article.topics else None, result.related)

    def article(self, article_id: str, language: str, channel: str) -> LegalReply | None:
        """One article's answer by id (a related-question button), or None if unknown."""
        article = self.kb.articles.get(article_id)
        if article is None:
            return None
        lang = answers.reply_language(language)
        if channel == "telegram":
            related, text = answers.related_buttons(self.kb, article, lang), answers.full_text(article, lang)
        else:
            related, text = (), answers.sms_answer(article, lang)
        return LegalReply(plain(text), article.id, article.topics[0] if article.topics else None, related)

    def more(self, article_id: str, language: str) -> list[str]:
        """The full answer as MORE pages, one sent per MORE (empty for an unknown article)."""
        if article_id not in self.kb.articles:
            return []
        return [plain(part) for part in answers.more(self.kb, article_id, language)]
