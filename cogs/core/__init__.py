"""Built-in commands: /help, /about and /config."""

from bot.features import Feature
from cogs.core.commands import about, config_reset, config_set, config_show, help_command

feature = Feature(
    name="core",
    description="help, status and per-community settings",
    commands=(help_command, about, config_show, config_set, config_reset),
)
