"""Rasa 3.6 tokenizer for the mixed Khmer / romanised Khmer / English messages this service gets.

Rasa's WhitespaceTokenizer cannot split Khmer (written without spaces between words), so this
component normalises the text with `nlu.khmer.normalize` and splits it with
`nlu.khmer.token_spans`: khmer-nltk word segmentation for Khmer runs, lower-cased Latin words.
The app uses the same two functions, so Rasa sees words the way the rest of the service does.
Used in config.yml as `nlu.rasa_addons.khmer_tokenizer.KhmerTokenizer`; the repo root must be on
PYTHONPATH (nlu/rasa_server.sh and nlu/Dockerfile see to it).
"""

from __future__ import annotations

import difflib
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu.khmer import normalize, token_spans


def _char_spans(original: str, normalised: str) -> list[tuple[int, int]]:
    """For each character of `normalised`, the span of `original` it came from.

    normalize() only deletes invisible characters, reorders marks inside a cluster, maps digits,
    expands a few deprecated letters and collapses spaces, so a character diff aligns the two
    closely; a replaced run is spread evenly over the original run it stands for.
    """
    spans: list[tuple[int, int]] = [(0, 0)] * len(normalised)
    matcher = difflib.SequenceMatcher(None, original, normalised, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        width = j2 - j1
        for j in range(j1, j2):
            if tag == "equal":
                spans[j] = (i1 + j - j1, i1 + j - j1 + 1)
            else:  # "replace" or "insert"
                start = i1 + ((j - j1) * (i2 - i1)) // width
                end = i1 + -((-(j - j1 + 1) * (i2 - i1)) // width)  # ceiling division
                spans[j] = (start, max(end, start))
    return spans


def khmer_tokens(text: str) -> list[Token]:
    """Rasa tokens for `text`: normalised words whose start/end index into `text` itself."""
    normalised = normalize(text)
    spans = token_spans(normalised)
    if not spans:
        # Like WhitespaceTokenizer: a message of only emoji or punctuation (or nothing) becomes
        # one token, so the featurizers never get an empty sequence.
        stripped = text.strip() or text
        start = text.index(stripped)
        return [Token(stripped, start, start + len(stripped))]
    if normalised == text:  # what the app sends: offsets are already right
        return [Token(word, start, end) for word, start, end in spans]
    chars = _char_spans(text, normalised)
    tokens: list[Token] = []
    for word, start, end in spans:
        start = min(start, len(chars) - 1)
        end = max(min(end, len(chars)), start + 1)
        orig_start = chars[start][0]
        orig_end = max(chars[end - 1][1], orig_start + 1)
        tokens.append(Token(word, orig_start, min(orig_end, len(text))))
    return tokens


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class KhmerTokenizer(Tokenizer):
    """Tokenizer for Khmer script, romanised Khmer and English in one model."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config (the keys every Rasa tokenizer reads)."""
        return {
            # Flag to check whether to split intents
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split
            "intent_split_symbol": "_",
            # Regular expression to detect tokens
            "token_pattern": None,
            # Symbol on which prefix should be split
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Every language code: one model serves Khmer, romanised Khmer and English."""
        return None

    # No required_packages(): Rasa checks that list both by import name and by distribution name,
    # and khmer-nltk's differ ("khmernltk" / "khmer-nltk"); create() fails clearly when it is missing.

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KhmerTokenizer:
        """Creates the component and loads the khmer-nltk segmenter so the first parse is not slow."""
        token_spans("ខ្ញុំ")
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenizes the text of the provided attribute of the incoming message."""
        text = message.get(attribute)
        return self._apply_token_pattern(khmer_tokens(text))
