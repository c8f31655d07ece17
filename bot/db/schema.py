"""Every table the project owns, on one metadata: importing this module registers all model modules."""

from __future__ import annotations

import bot.analytics.models  # (early-warning alerts, report indexes)
import bot.channels.models  # (Telegram updates and buttons, locations, delivery failures)
import bot.handoff.models  # (agents, conversation owners, login attempts)
import bot.privacy.models  # noqa: F401  (privacy audit)
from bot.tickets.models import Base

# Model modules of other packages register their tables on Base when imported; list each one here
# (migrations and the schema check read Base.metadata through this module).

__all__ = ["Base"]
