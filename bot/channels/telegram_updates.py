"""Handles one Telegram update: commands, text, buttons, contact, location, photos, everything else.

Telegram's own commands (/start, /help, /lang) are answered here; every other message goes through the
shared dispatch path (rate limit, guard, handoff gate, Rasa) as conversation `tg-<chat_id>`. A `/x` the
bot does not know is ordinary text (the guard keeps it from being read as an intent).
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import SlotSet
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType

from bot.channels.attachment_store import save_bytes
from bot.channels.channel_store import ChannelStore
from bot.channels.dispatch import CustomerMessage, Dispatcher, Outcome
from bot.channels.notices import SLOW_DOWN, customer_language
from bot.channels.telegram_send import CHANNEL, DeliveryFailed, TelegramSender, conversation_id
from bot.channels.telegram_texts import (
    BUTTON_EXPIRED,
    HELP,
    LANGUAGE_BUTTONS,
    LANGUAGE_PROMPT,
    LANGUAGE_SET,
    LOCATION_TEXT,
    PHOTO_FAILED,
    PHOTO_SAVED,
    UNSUPPORTED,
    WELCOME,
)
from bot.constants import Language, Slot
from bot.tickets.models import Attachment

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
LANGUAGE_CALLBACK = "lang:"
LANGUAGE_WORDS = {
    "zh": Language.ZH.value,
    "cn": Language.ZH.value,
    "中文": Language.ZH.value,
    "chinese": Language.ZH.value,
    "en": Language.EN.value,
    "english": Language.EN.value,
    "英文": Language.EN.value,
    "英语": Language.EN.value,
}
COMMANDS = ("start", "help", "lang")
# "typing..." only for a reply that takes longer than this: a faster one arrives before the indicator
# would be seen, and each indicator is a Bot API request the server pays for (about as much as the reply).
TYPING_DELAY_S = 0.5


class UpdateHandler:
    """Answers the updates of one bot; `agent` gives Rasa's agent of the running server."""

    def __init__(
        self,
        bot: Bot,
        sender: TelegramSender,
        store: ChannelStore,
        dispatcher: Dispatcher,
        output: Callable[[], Any],
        agent: Callable[[], Any],
    ) -> None:
        """Answer through `sender`; `output()` makes the OutputChannel replies from Rasa go through."""
        self.bot = bot
        self.sender = sender
        self.store = store
        self.dispatcher = dispatcher
        self._output = output
        self._agent = agent
        self._username: str | None = None
        self._background: set[asyncio.Task[Any]] = set()

    async def handle(self, data: dict[str, Any], on_new_message: OnNewMessage) -> Outcome | None:
        """Answer one update; the dispatch outcome when the message went the shared path."""
        update = Update.de_json(data, self.bot)
        if update.callback_query is not None:
            return await self._callback(update.callback_query, on_new_message)
        message = update.message or update.edited_message  # an edit is answered like a new message
        if message is None:
            logger.info("ignored Telegram update %s of a kind the assistant does not serve", update.update_id)
            return None
        if message.chat.type != ChatType.PRIVATE:
            logger.info(
                "ignored a message in a %s chat (customers write in private chats)", message.chat.type
            )
            return None
        return await self._message(message, on_new_message)

    # Messages -----------------------------------------------------------------------------------------------

    async def _message(self, message: Message, on_new_message: OnNewMessage) -> Outcome | None:
        """Route a message by what it carries."""
        chat_id = message.chat.id
        if message.text is not None:
            command = await self._command(message)
            if command is not None:
                return await self._run_command(message, *command)
            return await self._dispatch(chat_id, on_new_message, text=message.text)
        if message.contact is not None:
            phone = message.contact.phone_number.strip()
            phone = phone if phone.startswith("+") else f"+{phone}"
            return await self._dispatch(
                chat_id, on_new_message, text=phone, metadata={"telegram_contact": True}
            )
        if message.location is not None:
            return await self._location(message, on_new_message)
        if message.photo or _image_document(message):
            return await self._photo(message, on_new_message)
        await self._own_reply(chat_id, lambda language: UNSUPPORTED)
        return None

    async def _command(self, message: Message) -> tuple[str, str] | None:
        """(command, arguments) when the message is one of our commands addressed to this bot."""
        entity = next(
            (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None
        )
        if entity is None:
            return None
        word = message.parse_entity(entity)[1:]
        name, _, target = word.partition("@")
        if name.lower() not in COMMANDS:
            return None
        if target and target.lower() != (await self._bot_username() or "").lower():
            return None
        return name.lower(), (message.text or "")[entity.offset + entity.length :].strip()

    async def _bot_username(self) -> str | None:
        """The bot's username (getMe, once)."""
        if self._username is None:
            try:
                me, _ = await self.sender.call("getMe", self.bot.get_me)
                self._username = me.username or ""
            except DeliveryFailed:
                logger.warning("getMe failed; commands addressed to a bot by name are read as text")
                return None
        return self._username

    async def _run_command(self, message: Message, name: str, arguments: str) -> None:
        """/start, /help, /lang [zh|en]."""
        chat_id = message.chat.id
        if name == "start":
            await self._own_reply(chat_id, lambda language: WELCOME)
        elif name == "help":
            await self._own_reply(chat_id, lambda language: HELP)
        elif LANGUAGE_WORDS.get(arguments.lower()):
            await self._switch_language(chat_id, LANGUAGE_WORDS[arguments.lower()])
        elif self.dispatcher.limiter.allow(conversation_id(chat_id)):
            keyboard = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(title, callback_data=LANGUAGE_CALLBACK + code)]
                    for title, code in LANGUAGE_BUTTONS
                ]
            )
            await self._send_markup(chat_id, LANGUAGE_PROMPT, keyboard)

    async def _location(self, message: Message, on_new_message: OnNewMessage) -> Outcome:
        """Keep the coordinates for the ticket; the customer's words for Rasa say where they are."""
        chat_id = message.chat.id
        conversation = conversation_id(chat_id)
        location = message.location
        assert location is not None
        await asyncio.to_thread(self.store.add_location, conversation, location.latitude, location.longitude)
        venue = message.venue
        place = " ".join(part for part in (venue.title, venue.address) if part) + " " if venue else ""
        language = await customer_language(self._agent(), conversation, None)
        text = LOCATION_TEXT[language].format(
            place=place, latitude=location.latitude, longitude=location.longitude
        )
        metadata = {"location": {"latitude": location.latitude, "longitude": location.longitude}}
        return await self._dispatch(chat_id, on_new_message, text=text, metadata=metadata)

    async def _photo(self, message: Message, on_new_message: OnNewMessage) -> Outcome | None:
        """Download the photo into the attachment store, record it for the ticket, then read its caption."""
        chat_id = message.chat.id
        conversation = conversation_id(chat_id)
        if not self.dispatcher.limiter.allow(conversation):
            await self._slow_down(chat_id)
            return Outcome.RATE_LIMITED
        try:
            await self._save_photo(message, conversation)
        except Exception:
            logger.exception("could not save a photo of %s", conversation)
            await self._language_reply(chat_id, PHOTO_FAILED)
            return Outcome.FAILED
        await self._language_reply(chat_id, PHOTO_SAVED, message.caption)
        if message.caption and message.caption.strip():
            return await self._dispatch(chat_id, on_new_message, text=message.caption)
        return None

    async def _save_photo(self, message: Message, conversation: str) -> None:
        """The largest size of a photo (or an image sent as a file) as an attachment of the conversation."""
        if message.photo:
            photo = message.photo[-1]
            file_id, unique, content_type, name = photo.file_id, photo.file_unique_id, "image/jpeg", None
        else:
            document = message.document
            assert document is not None
            file_id, unique = document.file_id, document.file_unique_id
            content_type, name = document.mime_type or "image/jpeg", document.file_name
        telegram_file, _ = await self.sender.call("getFile", lambda: self.bot.get_file(file_id))
        data, _ = await self.sender.call("file download", telegram_file.download_as_bytearray)
        suffix = mimetypes.guess_extension(content_type) or ".jpg"
        path = await asyncio.to_thread(save_bytes, conversation, bytes(data), suffix)
        attachment = Attachment(
            ticket_id=None,
            conversation_id=conversation,
            channel=CHANNEL,
            source_file_id=file_id,
            caption=message.caption,
            filename=(name or f"photo-{unique}{suffix}")[:255],
            content_type=content_type,
            size=len(data),
            storage_path=str(path),
        )
        await asyncio.to_thread(self.store.add_attachment, attachment)
        await asyncio.to_thread(self.store.link_to_tickets, conversation)

    # Buttons ------------------------------------------------------------------------------------------------

    async def _callback(self, query: CallbackQuery, on_new_message: OnNewMessage) -> Outcome | None:
        """A pressed inline button: accepted only if the bot issued it to this chat."""
        message = query.message
        data = query.data or ""
        if message is None:  # too old for Telegram to say which chat it was in
            await self._answer(query, BUTTON_EXPIRED)
            return None
        chat_id = message.chat.id
        if data.startswith(LANGUAGE_CALLBACK) and data[len(LANGUAGE_CALLBACK) :] in LANGUAGE_SET:
            await self._answer(query)
            await self._remove_keyboard(chat_id, message.message_id)
            await self._switch_language(chat_id, data[len(LANGUAGE_CALLBACK) :])
            return None
        button = await asyncio.to_thread(self.store.issued_button, chat_id, data)
        if button is None:
            logger.warning("refused a callback the bot never issued to chat %s", chat_id)
            await self._answer(query, BUTTON_EXPIRED)
            return None
        await self._answer(query)
        await self._remove_keyboard(chat_id, message.message_id)
        return await self._dispatch(
            chat_id,
            on_new_message,
            text=button.title,
            payload=button.payload,
            metadata={"shown_text": button.title},
        )

    async def _answer(self, query: CallbackQuery, text: str | None = None) -> None:
        """Answer a callback query (Telegram shows a spinner until then)."""
        try:
            await self.sender.call("answerCallbackQuery", lambda: query.answer(text=text))
        except DeliveryFailed as failure:
            logger.warning("could not answer a callback query: %s", failure)

    async def _remove_keyboard(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off a message once one was pressed."""
        try:
            await self.sender.call(
                "editMessageReplyMarkup",
                lambda: self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None),
            )
        except DeliveryFailed as failure:
            logger.info("could not remove the buttons of message %s: %s", message_id, failure)

    # The shared path and the channel's own replies ----------------------------------------------------------

    async def _dispatch(
        self,
        chat_id: int,
        on_new_message: OnNewMessage,
        text: str | None = None,
        payload: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Outcome:
        """Send a customer message the shared way to Rasa; attach waiting photos/locations to a new ticket."""
        conversation = conversation_id(chat_id)
        typing = self._typing(chat_id)
        try:
            outcome = await self.dispatcher.dispatch(
                CustomerMessage(
                    CHANNEL, conversation, text, payload, {"telegram_chat_id": chat_id, **(metadata or {})}
                ),
                self._output(),
                on_new_message,
                self._agent(),
            )
        finally:
            typing.cancel()
        try:
            await asyncio.to_thread(self.store.link_to_tickets, conversation)
        except Exception:
            logger.exception("could not attach the waiting photos/locations of %s", conversation)
        return outcome

    def _typing(self, chat_id: int) -> asyncio.TimerHandle:
        """Show "typing..." if Rasa is still working after TYPING_DELAY_S (best effort, not awaited).

        Cancel the returned timer when the turn is over; an indicator already on its way is let finish
        (cutting the request would cost the connection).
        """

        async def typing() -> None:
            try:
                await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
            except Exception as error:  # cosmetic only
                logger.debug("typing indicator failed: %s", error)

        def start() -> None:
            task = asyncio.create_task(typing())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        return asyncio.get_running_loop().call_later(TYPING_DELAY_S, start)

    async def _own_reply(self, chat_id: int, text: Callable[[str], str], said: str | None = None) -> None:
        """A reply of the channel itself (rate limited like every message)."""
        conversation = conversation_id(chat_id)
        if not self.dispatcher.limiter.allow(conversation):
            await self._slow_down(chat_id)
            return
        language = await customer_language(self._agent(), conversation, said)
        await self.sender.send_text(chat_id, text(language))

    async def _language_reply(self, chat_id: int, texts: dict[str, str], said: str | None = None) -> None:
        """One of the channel's texts in the customer's language."""
        language = await customer_language(self._agent(), conversation_id(chat_id), said)
        await self.sender.send_text(chat_id, texts[language])

    async def _slow_down(self, chat_id: int) -> None:
        """The polite slow-down notice."""
        await self._language_reply(chat_id, SLOW_DOWN)

    async def _send_markup(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup) -> None:
        """A message with the channel's own keyboard (not Rasa buttons)."""
        try:
            await self.sender.call(
                "sendMessage", lambda: self.bot.send_message(chat_id, text, reply_markup=keyboard)
            )
        except DeliveryFailed as failure:
            await self.sender.record_failure(chat_id, text, str(failure), failure.attempts)

    async def _switch_language(self, chat_id: int, language: str) -> None:
        """Set the conversation's `language` slot, as Rasa's tracker-events API would, and confirm."""
        conversation = conversation_id(chat_id)
        agent = self._agent()
        if agent is not None and agent.processor is not None:
            async with agent.lock_store.lock(conversation):
                tracker = await agent.processor.fetch_tracker_with_initial_session(conversation)
                tracker.update(SlotSet(Slot.LANGUAGE.value, language))
                await agent.processor.save_tracker(tracker)
        await self.sender.send_text(chat_id, LANGUAGE_SET[language])


def _image_document(message: Message) -> bool:
    """An image sent as a file rather than as a photo."""
    document = message.document
    return bool(document and (document.mime_type or "").startswith("image/"))
