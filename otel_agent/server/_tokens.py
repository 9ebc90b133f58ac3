"""A small deterministic tokenizer for the local server's token counts.

Counts approximate OpenAI's BPE tokenizers without their vocabulary files (which
would need a download): a word is one token per started run of six letters,
digits go in groups of up to three, every other non-space character is a token
of its own. Chat prompts add a few tokens per message, as OpenAI's format does.
On English prose and Python code the counts come out 5-35 % above
``cl100k_base``; other languages and unusual text differ more. The counts are
real in the sense that matters for tests: longer text costs more, and the same
text costs the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_PIECES = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_")
_LETTERS_PER_TOKEN = 6
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_NAME = 1
_REPLY_PRIMING_TOKENS = 3
_TOKENS_PER_TOOL_CALL = 3


def count_text_tokens(text: str) -> int:
    """Return the number of tokens in *text* (0 for empty text)."""
    total = 0
    for piece in _PIECES.findall(text):
        if piece[0].isalpha():
            total += -(-len(piece) // _LETTERS_PER_TOKEN)
        else:
            total += 1
    return total


def count_chat_prompt_tokens(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Any] | None = None
) -> int:
    """Return the prompt tokens of a chat request's messages and tools."""
    total = _REPLY_PRIMING_TOKENS
    for message in messages:
        total += _TOKENS_PER_MESSAGE + _count_message(message)
    if tools:
        total += count_text_tokens(json.dumps(list(tools), sort_keys=True))
    return total


def _count_message(message: Mapping[str, Any]) -> int:
    total = count_text_tokens(str(message.get("role", "")))
    total += sum(count_text_tokens(text) for text in _content_texts(message))
    if message.get("name"):
        total += _TOKENS_PER_NAME + count_text_tokens(str(message["name"]))
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping):
            continue
        total += count_tool_call_tokens(
            str(function.get("name", "")), str(function.get("arguments", ""))
        )
    return total


def _content_texts(message: Mapping[str, Any]) -> Iterable[str]:
    content = message.get("content")
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                yield part["text"]
            elif isinstance(part, str):
                yield part


def count_tool_call_tokens(name: str, arguments: str) -> int:
    """Return the tokens of one tool call (name, arguments and framing)."""
    return (
        _TOKENS_PER_TOOL_CALL + count_text_tokens(name) + count_text_tokens(arguments)
    )


def count_input_tokens(value: object) -> int:
    """Return the tokens of an embeddings or completions ``input``/``prompt``.

    Strings are counted as text; lists of integers are already token ids.
    """
    if isinstance(value, str):
        return count_text_tokens(value)
    if isinstance(value, list):
        if value and all(isinstance(item, int) for item in value):
            return len(value)
        return sum(count_input_tokens(item) for item in value)
    return 0
