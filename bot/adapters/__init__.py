"""Front ends: the only code that knows Discord or Telegram. They translate, nothing more."""
