"""Custom actions of the assistant (loaded by the Rasa SDK action server)."""

from bot.tickets.masking import install_log_masking

# The action server has configured logging by the time it imports this package.
install_log_masking()
