"""The rules engine on zen-engine, and the rule packs shipped with urbis."""
