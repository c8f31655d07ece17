"""The agent console: a Starlette web app where agents take over handed-off conversations."""
