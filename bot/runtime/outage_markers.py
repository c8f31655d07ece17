"""Metadata keys marking customer messages kept while the action server was out (see action_outage)."""

from __future__ import annotations

# UserUttered metadata: the message was kept while the action server was out (value: why) ...
PENDING_KEY = "kept_while_actions_unavailable"
# ... and on a replayed copy, the key of the message it replays.
REPLAY_OF_KEY = "replay_of"
# BotUttered metadata of the notice telling the customer the message is kept.
NOTICE_KEY = "notice"
NOTICE_NAME = "actions_unavailable"
