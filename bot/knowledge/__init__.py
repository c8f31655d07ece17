"""Bilingual maintenance and warranty knowledge base (sample data for the demo) and its question matcher."""

from bot.knowledge.answer import Answer, Topic, answer

__all__ = ["Answer", "Topic", "answer"]
