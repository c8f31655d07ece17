"""Rasa's Redis lock store with atomic ticket updates and a clear refusal when Redis is unreachable.

Two things in `RedisLockStore` matter when several Rasa processes share conversations:
- it issues and returns tickets by reading the lock, changing it and writing it back; two processes doing
  that at once both get ticket 0 and handle the same conversation at the same time. Here each change is
  a Redis transaction on the lock's key (WATCH/MULTI), repeated when another process changed it first;
- when Redis is down it raises a bare `LockError` that says nothing about Redis. Here the failure is logged
  as an error naming the Redis address, and `LockStoreUnavailable` refuses the message: no process handles
  a conversation without its lock, the channel apologises and asks the customer to send it again, and the
  next message after Redis is back is handled normally (redis-py reconnects by itself).
A lock that cannot be released because Redis went away mid-turn is logged; Redis forgets it after its
lifetime (TICKET_LOCK_LIFETIME, Rasa's default 60 s), or at once if Redis restarted without persistence.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LockStoreUnavailable(LockError):
    """Redis, which holds the conversation locks, could not be reached."""


class CheckedRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes are atomic and whose outages are reported clearly."""

    def _address(self) -> str:
        """host:port/db of the Redis server, for messages."""
        kwargs = self.red.connection_pool.connection_kwargs
        return f"{kwargs.get('host')}:{kwargs.get('port')}/{kwargs.get('db')}"

    def _unavailable(self, conversation_id: str, error: Exception) -> LockStoreUnavailable:
        """Log the outage and build the exception that refuses the message."""
        logger.error(
            "the Redis lock store at %s is unreachable (%s: %s): conversation %s is not handled, no process "
            "handles a conversation without its lock; the customer is asked to send the message again",
            self._address(),
            type(error).__name__,
            error,
            conversation_id,
        )
        return LockStoreUnavailable(f"Redis lock store at {self._address()} unreachable: {error}")

    def _transaction(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]
    ) -> T:
        """Apply `change` to the stored lock atomically; it returns the new lock (None: delete), a result."""
        key = self.key_prefix + conversation_id
        try:
            with self.red.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        raw = pipe.get(key)
                        current = TicketLock.from_dict(json.loads(raw)) if raw else None
                        new, result = change(current)
                        pipe.multi()
                        if new is None:
                            pipe.delete(key)
                        else:
                            pipe.set(key, new.dumps())
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue  # another process changed the lock between our read and write
        except redis.RedisError as error:
            raise self._unavailable(conversation_id, error) from error

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation's lock (created if missing), in one transaction."""

        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._transaction(conversation_id, issue)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Return the ticket, deleting the lock when nobody else waits, in one transaction."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        try:
            self._transaction(conversation_id, finish)
        except LockStoreUnavailable:
            logger.error(
                "could not release the lock of conversation %s; Redis drops it after %s s",
                conversation_id,
                LOCK_LIFETIME,
            )

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The stored lock, or LockStoreUnavailable when Redis cannot be reached."""
        try:
            return super().get_lock(conversation_id)
        except redis.RedisError as error:
            raise self._unavailable(conversation_id, error) from error
