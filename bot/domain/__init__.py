"""The rules about cards and chats, shared by the chat handlers, the reminder engine and the
Mini App."""
