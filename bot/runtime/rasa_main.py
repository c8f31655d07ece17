"""`python -m bot.runtime.rasa_main ...`: Rasa's command line with our runtime fixes installed first."""

from __future__ import annotations

from bot.runtime import (
    action_outage,
    action_response,
    endpoint_sessions,
    event_types,
    tracker_store_failures,
)


def main() -> None:
    """Install the fixes, then run Rasa's CLI with the process's arguments."""
    action_response.install()
    event_types.install()
    endpoint_sessions.install()
    action_outage.install()
    tracker_store_failures.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
